/** The upstream HTTP/1.1 client (`server/http1/client/`): its public surface, re-exported. */
export { createUpstreamClient } from './client.ts';
export { TIMEOUT_TICK_MS } from './deadlines.ts';
export { detach, requestUpstream } from './response.ts';
export {
  type RawRelay,
  type RelaySink,
  type UpstreamClient,
  type UpstreamClientOptions,
  type UpstreamClientStats,
  UpstreamError,
  type UpstreamRequest,
  type UpstreamResponse,
} from './types.ts';
