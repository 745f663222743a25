/**
 * `GET /stream`: this app server's samples as server-sent events for its page: `hello` once (id,
 * zone, scenario and the sample history), then a `sample` per interval, and `requests` with the
 * user requests seen since the last ones (the last minute of them first). A queue of at most 100
 * samples waits for a slow reader; the oldest are dropped beyond that.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { Sample } from '../shared/types.ts';
import type { AppLoad } from './load.ts';
import { RECENT_WINDOW_MS, type RecentRequests } from './recent-requests.ts';

/** What the stream tells about: this server, its load, and its recent requests (null: none kept). */
export interface SampleStreamDeps {
  id: string;
  zone: string;
  load: AppLoad;
  recent: RecentRequests | null;
}

/** Adds `GET /stream` to `app` and to its OpenAPI document. */
export function serveSampleStream(app: OpenAPIHono, d: SampleStreamDeps): void {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/stream',
    summary:
      "SSE of this server's samples: `hello` {id, zone, scenario, history} once, then `sample` per interval",
    responses: {
      200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: Sample } } },
    },
  });
  app.get('/stream', (c) =>
    streamSSE(c, async (stream) => {
      const queue: Sample[] = [];
      let wake: (() => void) | null = null;
      const off = d.load.subscribe((s) => {
        queue.push(s);
        if (queue.length > 100) queue.shift();
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      try {
        await stream.writeSSE({
          event: 'hello',
          data: JSON.stringify({
            id: d.id,
            zone: d.zone,
            scenario: d.load.scenario(),
            history: d.load.history(),
          }),
        });
        // The last minute of requests once, then what is new with every sample.
        let sentUpTo = Date.now() - RECENT_WINDOW_MS;
        const sendRequests = async () => {
          if (!d.recent) return;
          const fresh = d.recent.since(sentUpTo);
          if (fresh.length === 0) return;
          sentUpTo = fresh[fresh.length - 1]!.t;
          await stream.writeSSE({ event: 'requests', data: JSON.stringify(fresh) });
        };
        await sendRequests();
        while (!stream.aborted && !stream.closed) {
          const next = queue.shift();
          if (next) {
            await stream.writeSSE({ event: 'sample', data: JSON.stringify(next), id: String(next.ts) });
            await sendRequests();
            continue;
          }
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = null;
        }
      } finally {
        off();
      }
    }),
  );
}
