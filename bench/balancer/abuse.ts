/**
 * The benchmark's abuse section, against a running zonescale balancer over raw sockets.
 * `slowUploads`: slow-upload clients (a `POST` announcing 2,000,000 bytes that sends 1 KiB, then
 * 1 KiB every `trickleMs`; reconnecting when the balancer ends the exchange) beside normal clients
 * (wrk GETs), while the balancer's pools are sampled: the normal clients must see no failure and no
 * server may leave the alive pool. `pipelineFlood`: clients that write many pipelined GETs of a
 * large answer and never read, while the balancer's resident memory is sampled (stopping early
 * past `abortMb`, to spare the machine), and a polite client checks it is still answered.
 */
import { rssMb } from './procs.ts';
import { failures } from './stats.ts';
import { runWrk, type WrkResult } from './wrk.ts';

/** What the slow-upload run saw. */
export interface SlowUploadResult {
  seconds: number;
  normal: WrkResult;
  normalFailed: number;
  /** Fewest servers seen alive in any sample, and the servers seen out of it. */
  minAlive: number;
  leftAlive: string[];
  /** Slow uploads started, and the statuses their exchanges ended with (`none`: closed without an answer). */
  uploads: number;
  uploadStatuses: Record<string, number>;
}

const SLOW_HEAD =
  'POST /upload HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\nContent-Length: 2000000\r\n\r\n';
const KIB = Buffer.alloc(1024, 97);

/** One slow uploader: connects, trickles its body, notes how the exchange ended, reconnects until `until`. */
async function slowUploader(
  host: string,
  port: number,
  until: number,
  trickleMs: number,
  r: SlowUploadResult,
) {
  while (Date.now() < until) {
    r.uploads++;
    let status = 'none';
    let closed = false;
    try {
      const s = await Bun.connect({
        hostname: host,
        port,
        socket: {
          data(_s, d) {
            if (status === 'none')
              status = /^HTTP\/1\.\d (\d{3})/.exec(Buffer.from(d).toString('latin1'))?.[1] ?? 'bad';
          },
          close() {
            closed = true;
          },
          error() {
            closed = true;
          },
        },
      });
      s.write(SLOW_HEAD);
      s.write(KIB);
      let next = Date.now() + trickleMs;
      while (!closed && Date.now() < until) {
        await Bun.sleep(100);
        if (Date.now() >= next && !closed) {
          s.write(KIB);
          next += trickleMs;
        }
      }
      s.end();
    } catch {
      status = 'connect-error';
    }
    r.uploadStatuses[status] = (r.uploadStatuses[status] ?? 0) + 1;
    await Bun.sleep(100);
  }
}

/** Runs slow uploaders beside wrk GETs on the balancer at `url` for `seconds`, sampling `GET /pools`. */
export async function slowUploads(
  url: string,
  o: { slowClients: number; normalClients: number; seconds: number; trickleMs: number; servers: number },
): Promise<SlowUploadResult> {
  const { hostname, port } = new URL(url);
  const until = Date.now() + o.seconds * 1000;
  const r: SlowUploadResult = {
    seconds: o.seconds,
    normal: undefined as unknown as WrkResult,
    normalFailed: 0,
    minAlive: o.servers,
    leftAlive: [],
    uploads: 0,
    uploadStatuses: {},
  };
  const left = new Set<string>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        const pools = (await (await fetch(`${url}/pools`)).json()) as {
          alive: { url: string }[];
          disconnected: { url: string }[];
          dead: { url: string }[];
        };
        r.minAlive = Math.min(r.minAlive, pools.alive.length);
        for (const s of [...pools.disconnected, ...pools.dead]) left.add(s.url);
      } catch {}
      await Bun.sleep(500);
    }
  })();
  const uploaders = Array.from({ length: o.slowClients }, () =>
    slowUploader(hostname, Number(port), until, o.trickleMs, r),
  );
  r.normal = await runWrk(`${url}/`, { threads: 1, connections: o.normalClients, seconds: o.seconds });
  r.normalFailed = failures(r.normal);
  await Promise.all(uploaders);
  sampling = false;
  await sampler;
  r.leftAlive = [...left];
  return r;
}

/** What the pipelining flood saw. Memory in MiB. */
export interface PipelineFloodResult {
  clients: number;
  requestsPerClient: number;
  seconds: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  /** The peak went past `abortMb` and the flood was cut short. */
  aborted: boolean;
  /** Polite requests answered 2xx during the flood, of those sent. */
  politeOk: number;
  politeSent: number;
}

/**
 * `clients` connections each write `requestsPerClient` pipelined `GET <path>` at once and never
 * read, for `seconds`, while process `pid`'s RSS is sampled every 200 ms and a polite client sends
 * one GET every 250 ms.
 */
export async function pipelineFlood(
  url: string,
  pid: number,
  o: { clients: number; requestsPerClient: number; path: string; seconds: number; abortMb: number },
): Promise<PipelineFloodResult> {
  const { hostname, port } = new URL(url);
  const r: PipelineFloodResult = {
    clients: o.clients,
    requestsPerClient: o.requestsPerClient,
    seconds: o.seconds,
    rssBeforeMb: rssMb(pid),
    rssPeakMb: 0,
    rssAfterMb: 0,
    aborted: false,
    politeOk: 0,
    politeSent: 0,
  };
  const burst = Buffer.from(
    `GET ${o.path} HTTP/1.1\r\nHost: bench\r\n\r\n`.repeat(o.requestsPerClient),
    'latin1',
  );
  const sockets: { end(): void }[] = [];
  for (let i = 0; i < o.clients; i++) {
    const s = await Bun.connect({ hostname, port: Number(port), socket: { data() {} } });
    s.pause(); // never read: the kernel's receive buffer fills and the balancer must hold back
    s.write(burst);
    sockets.push(s);
  }
  const until = Date.now() + o.seconds * 1000;
  let nextPolite = 0;
  while (Date.now() < until) {
    r.rssPeakMb = Math.max(r.rssPeakMb, rssMb(pid));
    if (r.rssPeakMb > o.abortMb) {
      r.aborted = true;
      break;
    }
    if (Date.now() >= nextPolite) {
      nextPolite = Date.now() + 250;
      r.politeSent++;
      fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.ok) r.politeOk++;
        })
        .catch(() => {});
    }
    await Bun.sleep(200);
  }
  for (const s of sockets) s.end();
  await Bun.sleep(2_000);
  r.rssAfterMb = rssMb(pid);
  return r;
}
