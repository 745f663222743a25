/**
 * An `UpstreamClient` over a `fetch` function: the proxy's tests inject a fake fetch through it, and
 * it is the fallback data path for upstreams the raw client cannot speak to (e.g. `https:`). Errors
 * map onto the client's kinds: our own try timer → `timeout`, anything else before headers →
 * `connect-failure`. The response body streams through and `onDone` fires when it ends. `fetch`
 * sets `Host` from the origin itself, so a passed-through `host` line is dropped.
 */

import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../server/http1/client/index.ts';
import { UpstreamError } from '../../server/http1/client/index.ts';
import { HOP_BY_HOP } from '../../server/http1/fields.ts';

/** Wraps `doFetch` as an upstream client. */
export function fetchClient(doFetch: typeof fetch = fetch): UpstreamClient {
  async function request(origin: string, r: UpstreamRequest): Promise<UpstreamResponse> {
    let method = r.method;
    let target = r.target;
    let lines = r.head.split('\r\n');
    let reqBody = r.body;
    const raw = r.rawRequest ?? r.rawHead;
    if (raw) {
      const text = new TextDecoder('latin1').decode(raw);
      const end = text.indexOf('\r\n\r\n');
      lines = text.slice(0, end).split('\r\n');
      [method = 'GET', target = '/'] = (lines.shift() ?? '').split(' ');
      if (r.rawRequest) reqBody = r.rawRequest.slice(end + 4);
    }
    const headers = new Headers();
    for (const line of lines) {
      const c = line.indexOf(':');
      const name = line.slice(0, c).toLowerCase();
      // fetch sets Host and the body's framing itself
      if (c > 0 && name !== 'host' && name !== 'content-length' && name !== 'transfer-encoding')
        headers.append(line.slice(0, c), line.slice(c + 1).trim());
    }
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, r.timeoutMs);
    let res: Response;
    try {
      res = await doFetch(origin + target, {
        method,
        headers,
        body: reqBody as BodyInit | undefined,
        redirect: 'manual',
        decompress: false,
        signal: ac.signal,
      } as RequestInit);
    } catch (err) {
      r.onDone();
      throw new UpstreamError(timedOut ? 'timeout' : 'connect-failure', `${origin}: ${String(err)}`);
    } finally {
      clearTimeout(timer);
    }
    const out: [string, string][] = [];
    const conn =
      res.headers
        .get('connection')
        ?.toLowerCase()
        .split(',')
        .map((s) => s.trim()) ?? [];
    for (const [k, v] of res.headers)
      if (!HOP_BY_HOP.has(k) && !conn.includes(k) && k !== 'content-length') out.push([k, v]);
    if (!res.body) {
      r.onDone();
      return { status: res.status, statusText: res.statusText, headers: out, body: null };
    }
    const reader = res.body.getReader();
    let finished = false;
    const done = () => {
      if (!finished) {
        finished = true;
        r.onDone();
      }
    };
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(ctrl) {
          try {
            const x = await reader.read();
            if (x.done) {
              done();
              ctrl.close();
            } else ctrl.enqueue(x.value);
          } catch (err) {
            done();
            ctrl.error(err);
          }
        },
        cancel(reason) {
          done();
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return { status: res.status, statusText: res.statusText, headers: out, body };
  }
  return {
    send(origin, r) {
      request(origin, r).then(
        (res) => r.onAnswer(null, res),
        (err: unknown) => r.onAnswer(err, null),
      );
    },
    close() {},
  };
}
