/** The agent's routes through `app.request` (no network). */
import { expect, test } from 'bun:test';
import type { AgentStats } from './agent.ts';
import { agentRoutes } from './routes.ts';

test('GET /health_check reports the role, how it reads, and its counters', async () => {
  const stats: AgentStats = { ticks: 7, published: 12, servers: 2, lastTickAt: 5_000, failedTicks: 1 };
  const app = agentRoutes({
    stats,
    runtime: 'process',
    reader: 'proc',
    bus: 'http',
    intervalMs: 1_000,
    pending: () => 3,
  });
  const res = await app.request('http://localhost/health_check');
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    status: 'ok',
    role: 'agent',
    runtime: 'process',
    reader: 'proc',
    bus: 'http',
    intervalMs: 1_000,
    servers: 2,
    ticks: 7,
    failedTicks: 1,
    published: 12,
    pending: 3,
    lastTickAt: 5_000,
  });
});
