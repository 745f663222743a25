/**
 * The agent's HTTP surface, built from injected dependencies so it is tested with `app.request`:
 * `GET /health_check` (liveness, what it reads with, and its counters) and `GET /openapi.json`.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute } from '@hono/zod-openapi';
import { createApi, finishApi, jsonResponse, z } from '../shared/api.ts';
import type { Logger } from '../shared/logger.ts';
import type { AgentStats } from './agent.ts';

/** Dependencies of the agent routes. */
export interface AgentRouteDeps {
  stats: AgentStats;
  /** Runtime whose servers it samples (`process`, `docker`). */
  runtime: string;
  /** How it reads them (`proc`, `docker`). */
  reader: string;
  /** Bus kind (`http`, `kafka`). */
  bus: string;
  intervalMs: number;
  /** Samples waiting for the bus. */
  pending: () => number;
  logger?: Logger;
}

const Health = z
  .object({
    status: z.literal('ok'),
    role: z.literal('agent'),
    runtime: z.string(),
    reader: z.string(),
    bus: z.string(),
    intervalMs: z.number().int(),
    servers: z.number().int(),
    ticks: z.number().int(),
    failedTicks: z.number().int(),
    published: z.number().int(),
    pending: z.number().int(),
    lastTickAt: z.number().int().nullable(),
  })
  .openapi('AgentHealth');

/** Builds the agent's OpenAPIHono app. */
export function agentRoutes(deps: AgentRouteDeps): OpenAPIHono {
  const app = createApi({ logger: deps.logger, maxBodyBytes: 16 * 1024 });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health_check',
      summary: 'Agent liveness and counters',
      responses: { 200: jsonResponse(Health, 'The agent is up') },
    }),
    (c) =>
      c.json({
        status: 'ok' as const,
        role: 'agent' as const,
        runtime: deps.runtime,
        reader: deps.reader,
        bus: deps.bus,
        intervalMs: deps.intervalMs,
        servers: deps.stats.servers,
        ticks: deps.stats.ticks,
        failedTicks: deps.stats.failedTicks,
        published: deps.stats.published,
        pending: deps.pending(),
        lastTickAt: deps.stats.lastTickAt,
      }),
  );
  return finishApi(
    app,
    'zonescale agent',
    'Samples every app server the runtime holds on this host from outside (/proc, Docker stats) and publishes the samples on the metrics bus.',
  );
}
