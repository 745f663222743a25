/**
 * The proxy's own answers, pure (its JSON error body is `errorAnswer`'s): the one a request gets
 * when no (further) try is made — 503 without an alive (or the pinned) server, 499 for a client
 * that went away, 502 when every try failed, 504 when the last one timed out.
 */

import { errorAnswer, type ForwardAnswer } from '../http1/server/handler.ts';
import type { ClientFault } from '../http1/server/request-body.ts';
import { NoAvailableServer } from '../shared/errors.ts';
import type { TryOutcome } from './retries.ts';

/** A try timed out while the client was still sending its body: the client's slowness, not the server's. */
export const SLOW_BODY: ClientFault = {
  status: 408,
  error: 'client_body_timeout',
  message: 'the request body was still arriving when the try timed out',
};

/**
 * The answer when no further try is made, after `last` (null: no server was tried); `pinned`: the
 * request was pinned to a server; `tried`: the servers tried, in order.
 */
export function giveUpAnswer(
  last: TryOutcome | null,
  pinned: boolean,
  zone: string,
  tried: readonly string[],
): ForwardAnswer {
  if (last === null && pinned)
    return errorAnswer(503, 'pinned_server_unavailable', `the pinned server is not alive in ${zone}`);
  if (last === null) {
    const e = new NoAvailableServer(zone);
    return errorAnswer(e.status, e.code, e.message);
  }
  if (last.kind === 'client-aborted') return errorAnswer(499, 'client_closed', 'client closed the request');
  const timeout = last.kind === 'timeout';
  return errorAnswer(
    timeout ? 504 : 502,
    timeout ? 'upstream_timeout' : 'bad_gateway',
    `${tried.length} server(s) tried, none answered: ${tried.join(', ')}`,
  );
}
