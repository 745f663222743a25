/**
 * Request-body buffering and response-body tracking for the proxy. Request bodies are read into
 * memory (up to a limit, 1 MiB by default) so a failed try can be replayed on another server;
 * response bodies are never buffered — `trackBody` passes chunks through as they come (SSE works)
 * and calls `done` exactly once when the body ends, fails or the client goes away.
 */

/** Default request-body limit for proxied requests, bytes (1 MiB). */
export const MAX_PROXY_BODY_BYTES = 1024 * 1024;

/**
 * Reads `req`'s body, at most `max` bytes. Returns `undefined` for no body (GET/HEAD or empty),
 * `'too-large'` when the body exceeds `max` (read stops there).
 */
export async function readBody(
  req: Request,
  max: number,
): Promise<Uint8Array<ArrayBuffer> | undefined | 'too-large'> {
  if (!req.body || req.method === 'GET' || req.method === 'HEAD') return undefined;
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  if (declared > max) return 'too-large';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return 'too-large';
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  if (chunks.length === 1) return chunks[0] as Uint8Array<ArrayBuffer>;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Streams `body` through unchanged and calls `done` once when it ends, errors or is cancelled. */
export function trackBody(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(ctrl) {
        try {
          const r = await reader.read();
          if (r.done) {
            finish();
            ctrl.close();
          } else ctrl.enqueue(r.value);
        } catch (err) {
          finish();
          ctrl.error(err);
        }
      },
      cancel(reason) {
        finish();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
