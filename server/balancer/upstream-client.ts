/**
 * The upstream client moved to `server/http1/client/` (pool, exchange, deadlines, request writer);
 * this shim keeps the balancer's and gateway's imports working.
 */
export * from '../http1/client/index.ts';
