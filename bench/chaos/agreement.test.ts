import { describe, expect, test } from 'bun:test';
import { record } from '../../server/adapters/registry.contract.ts';
import type { RuntimeContainer } from '../../server/adapters/runtime.ts';
import { disagreements } from './agreement.ts';

const running = (id: string, up = true): RuntimeContainer => ({
  id,
  role: 'app',
  zone: 'zone1',
  port: 1,
  runtimeId: '1',
  running: up,
  startedAt: 0,
});
const a = record('zone1-app-1', 'zone1', 1, 9101);
const pools = (alive: string[], dead: string[] = []) =>
  new Map([
    [
      'zone1',
      {
        term: 1,
        monitor: '',
        alive: alive.map((url) => ({ url })),
        disconnected: [],
        dead: dead.map((url) => ({ url })),
      },
    ],
  ]);

describe('chaos agreement check', () => {
  test('registry, runtime and balancer holding the same servers agree', () => {
    expect(disagreements([a], [running(a.id)], pools([a.url]))).toEqual([]);
  });

  test.each([
    ['a registered server that is not running', [running(a.id, false)], pools([a.url]), 'not running'],
    [
      'a running container the registry lacks',
      [running(a.id), running('zone1-app-9')],
      pools([a.url]),
      'not in the registry',
    ],
    ['a balancer missing a server', [running(a.id)], pools([]), 'does not hold'],
    [
      'a balancer holding a stray',
      [running(a.id)],
      pools([a.url, 'http://127.0.0.1:9999']),
      'which the registry does not',
    ],
    [
      'a balancer still holding a dead server',
      [running(a.id)],
      pools([a.url], ['http://127.0.0.1:9998']),
      'not alive',
    ],
  ] as const)('%s is a disagreement', (_case, rt, p, words) => {
    const out = disagreements([a], [...rt], p);
    expect(out).toHaveLength(1);
    expect(out[0]).toContain(words);
  });
});
