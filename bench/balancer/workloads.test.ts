import { describe, expect, test } from 'bun:test';
import { jsonOfSize, postScript, workloads, wrkExtra } from './workloads.ts';

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
});
