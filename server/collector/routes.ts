/**
 * The collector's HTTP surface, built from injected dependencies so it is tested with
 * `app.request`: `GET /health_check`, `POST /samples {samples}` (cluster token; at most 10 000
 * samples a request; a bad batch gets 400 and nothing of it is stored), and `GET /openapi.json`.
 */

import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute } from '@hono/zod-openapi';
import type { SampleSink } from '../adapters/sample-source.ts';
import {
  createApi,
  errorResponses,
  finishApi,
  jsonBody,
  jsonResponse,
  tokenSecurity,
  z,
} from '../shared/api.ts';
import { requireToken } from '../shared/auth.ts';
import type { Logger } from '../shared/logger.ts';
import { Sample } from '../shared/types.ts';

/** Most samples one `POST /samples` may carry (10 000 ≈ 2.8 h of one server at 1/s). */
export const MAX_SAMPLES_PER_POST = 10_000;

/** Largest accepted request body, bytes (10 000 samples of ~200 bytes fit with room). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Counters the collector reports on `/health_check`. */
export interface CollectorStats {
  /** Samples stored since start. */
  received: number;
  /** Epoch ms of the last stored batch, or null. */
  lastWriteAt: number | null;
}

/** Dependencies of the collector routes. */
export interface CollectorRouteDeps {
  token: string;
  /** Stores a validated batch (the metrics store's `write`). */
  sink: SampleSink;
  stats: CollectorStats;
  /** Store kind shown on `/health_check` (`sqlite`, `influx`, `memory`). */
  storeKind: string;
  /** Bus kind shown on `/health_check` (`http`, `kafka`). */
  busKind: string;
  now?: () => number;
  logger?: Logger;
}

const SamplesBody = z
  .object({
    samples: z.array(Sample).max(MAX_SAMPLES_PER_POST, `at most ${MAX_SAMPLES_PER_POST} samples per request`),
  })
  .openapi('SampleBatch');

const Health = z
  .object({
    status: z.literal('ok'),
    role: z.literal('collector'),
    store: z.string(),
    bus: z.string(),
    received: z.number().int(),
    lastWriteAt: z.number().int().nullable(),
  })
  .openapi('CollectorHealth');

/** Builds the collector's OpenAPIHono app. */
export function collectorRoutes(deps: CollectorRouteDeps): OpenAPIHono {
  const now = deps.now ?? Date.now;
  const app = createApi({ logger: deps.logger, maxBodyBytes: MAX_BODY_BYTES });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health_check',
      summary: 'Collector liveness and counters',
      responses: { 200: jsonResponse(Health, 'The collector is up') },
    }),
    (c) =>
      c.json({
        status: 'ok' as const,
        role: 'collector' as const,
        store: deps.storeKind,
        bus: deps.busKind,
        received: deps.stats.received,
        lastWriteAt: deps.stats.lastWriteAt,
      }),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/samples',
      summary: 'Store a batch of samples from apps, agents and balancers (the embedded HTTP metrics bus)',
      security: tokenSecurity,
      middleware: [requireToken(deps.token)] as const,
      request: { body: jsonBody(SamplesBody, 'Samples to store; idempotent per (serverId, source, ts)') },
      responses: {
        200: jsonResponse(z.object({ accepted: z.number().int() }), 'Stored'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { samples } = c.req.valid('json');
      await deps.sink(samples);
      deps.stats.received += samples.length;
      if (samples.length > 0) deps.stats.lastWriteAt = now();
      return c.json({ accepted: samples.length }, 200);
    },
  );

  return finishApi(
    app,
    'zonescale collector',
    'Moves app samples from the metrics bus into the metrics store.',
  );
}
