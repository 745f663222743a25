/**
 * The service bench's bounded load: `loops` request loops, each sending `GET <url>` one at a time
 * every `everyMs` (so about loops x 1000 / everyMs req/s while answers are fast), to 127.0.0.1 only,
 * for at most `maxMs`, counting answers by status (0 = no response).
 */

/** A running load and its counts; `stop()` waits for the loops' last requests. */
export interface Load {
  statuses: Map<number, number>;
  stop(): Promise<void>;
}

/** Starts the load. @throws Error when `url` is not on 127.0.0.1 */
export function startLoad(url: string, o: { loops: number; everyMs: number; maxMs: number }): Load {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`the bench loads 127.0.0.1 only, not ${url}`);
  const statuses = new Map<number, number>();
  const deadline = Date.now() + o.maxMs;
  let stopped = false;
  const loop = async () => {
    while (!stopped && Date.now() < deadline) {
      const started = Date.now();
      let status = 0;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        status = res.status;
      } catch {}
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      await Bun.sleep(Math.max(0, o.everyMs - (Date.now() - started)));
    }
  };
  const running = Promise.all(Array.from({ length: o.loops }, loop));
  return {
    statuses,
    async stop() {
      stopped = true;
      await running;
    },
  };
}
