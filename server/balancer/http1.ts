/**
 * HTTP/1.1 wire helpers, moved to `server/http1/` (`fields.ts`, `response-head.ts`, `response-text.ts`, `chunked.ts`);
 * re-exported here for the balancer modules that import them from this path.
 */
export { BadChunkedBody, ChunkedDecoder } from '../http1/chunked.ts';
export { findHeadEnd, HOP_BY_HOP, nameIs } from '../http1/fields.ts';
export {
  BadResponse,
  type BodyFraming,
  bodyFraming,
  type ResponseHead,
  type ResponseScan,
  scanResponseHead,
} from '../http1/response-head.ts';
export { parseResponseHead } from '../http1/response-text.ts';
