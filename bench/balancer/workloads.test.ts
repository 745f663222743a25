import { describe, expect, test } from 'bun:test';
import { inRoundOrder, jsonOfSize, postScript, workloads, wrkExtra } from './workloads.ts';

describe('benchmark workloads', () => {
  test('the six workloads of issue 10, the Node-style 64 KiB and the 1 MiB ones, the small GET with the strategies', () => {
    const ws = workloads(1000);
    expect(ws.map((w) => w.name)).toEqual([
      'GET 50 B, 64 conns',
      'POST 1 KiB JSON, 64 conns',
      'GET 64 KiB, 64 conns',
      'GET 64 KiB, Node-style head',
      'GET 1 MiB, 16 conns',
      'GET 2 KiB chunked, 64 conns',
      'GET 50 B, Connection: close',
      'GET 50 B, 1,000 conns',
    ]);
    expect(ws.filter((w) => w.strategies).map((w) => w.key)).toEqual(['get50']);
    expect(new Set(ws.map((w) => w.key)).size).toBe(ws.length);
  });

  test('the POST body is 1 KiB of valid JSON in a wrk script', () => {
    const body = jsonOfSize(1024);
    expect(body.length).toBe(1024);
    expect(JSON.parse(body).items).toHaveLength(8);
    expect(postScript(body)).toContain('wrk.method = "POST"');
    expect(() => jsonOfSize(10)).toThrow();
  });

  test('wrk arguments: the close header, the script path', () => {
    const ws = workloads();
    expect(wrkExtra(ws.find((w) => w.key === 'close')!, '/d')).toEqual(['-H', 'Connection: close']);
    expect(wrkExtra(ws.find((w) => w.key === 'post1k')!, '/d')).toEqual(['-s', '/d/post-1k.lua']);
  });

  test('targets go in the given order in odd rounds and reversed in even ones, the input untouched', () => {
    const targets = ['haproxy', 'nginx', 'zonescale round-robin'] as const;
    expect(inRoundOrder(targets, 1)).toEqual(['haproxy', 'nginx', 'zonescale round-robin']);
    expect(inRoundOrder(targets, 2)).toEqual(['zonescale round-robin', 'nginx', 'haproxy']);
    expect(inRoundOrder(targets, 3)).toEqual(['haproxy', 'nginx', 'zonescale round-robin']);
    expect(targets[0]).toBe('haproxy');
    // Over an even number of rounds every target's mean position is the same.
    const position = (t: string) => [1, 2, 3, 4].map((r) => inRoundOrder(targets, r).indexOf(t as never));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(new Set(targets.map((t) => mean(position(t))))).toEqual(new Set([1]));
  });
});
