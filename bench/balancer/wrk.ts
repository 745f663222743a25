/**
 * Runs wrk and parses its report: requests per second, p50 and p99 latency (ms, from `--latency`),
 * socket errors and non-2xx/3xx responses. Pure parsing in `parseWrk`, the process in `runWrk`.
 */

/** What one wrk run measured. Latencies in ms. */
export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  non2xx: number;
}

function toMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** Parses wrk's text report. @throws Error when the report has no Requests/sec line. */
export function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk report without Requests/sec:\n${out}`);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1] as string, m[2] as string) : Number.NaN;
  };
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  return {
    rps: Number(rps[1]),
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    requests: Number(total?.[1] ?? 0),
    socketErrors: {
      connect: Number(se?.[1] ?? 0),
      read: Number(se?.[2] ?? 0),
      write: Number(se?.[3] ?? 0),
      timeout: Number(se?.[4] ?? 0),
    },
    non2xx: Number(non?.[1] ?? 0),
  };
}

/**
 * Runs `wrk -t<threads> -c<connections> -d<seconds>s --latency [extra…] <url>` and parses the report.
 * `extra`: more wrk arguments (`-H 'Connection: close'`, `-s post.lua`).
 */
export async function runWrk(
  url: string,
  o: { threads: number; connections: number; seconds: number; timeoutS?: number; extra?: readonly string[] },
): Promise<WrkResult> {
  const p = Bun.spawn(
    [
      'wrk',
      `-t${o.threads}`,
      `-c${o.connections}`,
      `-d${o.seconds}s`,
      `--timeout`,
      `${o.timeoutS ?? 5}s`,
      '--latency',
      ...(o.extra ?? []),
      url,
    ],
    { stdout: 'pipe', stderr: 'pipe' },
  );
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  return parseWrk(out + err);
}
