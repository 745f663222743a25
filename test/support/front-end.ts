/**
 * A raw front end (`server/http1/server/listen.ts`) for tests, over the test's own forwarder: on
 * 127.0.0.1, an ephemeral port, no tunnel (fallback port 1, no control paths), a silent log, a 10 s
 * idle timeout, a 4 KiB retry buffer and a 5 s client-body timeout, unless `over` says otherwise.
 */

import type { Forwarder } from '../../server/http1/server/handler.ts';
import { type FrontEnd, type FrontEndDeps, startFrontEnd } from '../../server/http1/server/listen.ts';
import { silentLogger } from '../../server/shared/logger.ts';

/** Starts the front end; the caller stops it (`stop(true)`). @throws when the port cannot be bound. */
export function testFrontEnd(forward: Forwarder, over: Partial<FrontEndDeps> = {}): FrontEnd {
  return startFrontEnd({
    host: '127.0.0.1',
    port: 0,
    fallbackPort: 1,
    controlPaths: new Set(),
    idleTimeoutS: 10,
    draining: () => false,
    tunnels: new Map(),
    log: silentLogger,
    maxRetryBodyBytes: 4096,
    clientBodyTimeoutMs: 5_000,
    ...over,
    forward,
  });
}
