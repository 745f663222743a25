/**
 * The domain vocabulary every role shares, as zod schemas (so the same shapes validate requests and
 * describe the API in `/openapi.json`) with their inferred TypeScript types. Units: times are epoch
 * milliseconds, durations ms, CPU in percent of one core (0–100 per core), memory in MB, throughput
 * in requests per second. This file only re-exports them: the core (`domain.ts`), the autoscaling
 * policies (`policies.ts`) and the cluster's views (`views.ts`).
 */

export * from './domain.ts';
export * from './policies.ts';
export * from './views.ts';
