/**
 * Request-body buffering for the proxy. Bodies up to a limit (1 MiB by default) are read into memory
 * so a failed try can be replayed on another server; a larger body is passed on as a stream, sent
 * once and not retried. Response bodies are never buffered here (see `http1/client/`).
 */

/**
 * Reads `req`'s body for the proxy: `undefined` for none, the bytes when it is at most `max` bytes
 * (replayable on a retry), or — for a larger body — a stream of the bytes read so far followed by
 * the rest, sent once and never buffered whole.
 */
export async function readBodyUpTo(
  req: Request,
  max: number,
): Promise<Uint8Array | ReadableStream<Uint8Array> | undefined> {
  if (!req.body || req.method === 'GET' || req.method === 'HEAD') return undefined;
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  if (declared > max) return req.body;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    chunks.push(value);
    if (size > max) {
      let i = 0;
      return new ReadableStream<Uint8Array>({
        async pull(ctrl) {
          if (i < chunks.length) {
            ctrl.enqueue(chunks[i++] as Uint8Array);
            return;
          }
          const r = await reader.read();
          if (r.done) ctrl.close();
          else ctrl.enqueue(r.value);
        },
        cancel: (reason) => reader.cancel(reason),
      });
    }
  }
  if (size === 0) return undefined;
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
