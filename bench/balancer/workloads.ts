/**
 * The benchmark's workloads, pure: what wrk sends for each (path, connections, extra arguments) and
 * the wrk Lua script of the POST one. Every workload runs against the backend directly, HAProxy,
 * nginx and the zonescale balancer (round-robin) in the same interleaved rounds; the small GET also
 * against the balancer's other strategies.
 */

/** One workload. `extra` holds more wrk arguments; `script` is a Lua file wrk must load (`-s`). */
export interface Workload {
  /** Short key for the JSON figures. */
  key: string;
  /** As printed, e.g. `GET 50 B, 64 conns`. */
  name: string;
  path: string;
  connections: number;
  extra: readonly string[];
  script?: { file: string; text: string };
  /** Measure the balancer's other strategies on it too. */
  strategies: boolean;
}

/** A JSON document of exactly `bytes` bytes (`{"items":[…],"pad":"…"}`). */
export function jsonOfSize(bytes: number): string {
  const items = Array.from({ length: 8 }, (_, i) => ({ id: i, name: `item-${i}`, qty: i * 3 }));
  const base = JSON.stringify({ items, pad: '' });
  if (base.length > bytes) throw new Error(`${bytes} bytes is too small for the JSON document`);
  return JSON.stringify({ items, pad: 'p'.repeat(bytes - base.length) });
}

/** wrk Lua setting a POST with `body` as `application/json`. */
export function postScript(body: string): string {
  return `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${body}'\n`;
}

/**
 * The workloads: the small GET over 64 connections, a 1 KiB JSON POST, a 64 KiB GET (also from an
 * upstream whose head carries `Connection: keep-alive` and `Keep-Alive`, as a Node service's does:
 * the proxy must cut those hop-by-hop lines), a 1 MiB GET over 16 connections (a body that never
 * comes in one read, so it is relayed as it arrives), a 2 KiB chunked GET, the small GET with `Connection: close` on every request, and over 1,000 connections.
 * `manyConnections` overrides the 1,000 (env `BENCH_KEEPALIVE_CONNECTIONS`).
 */
export function workloads(manyConnections = 1000): Workload[] {
  return [
    { key: 'get50', name: 'GET 50 B, 64 conns', path: '/', connections: 64, extra: [], strategies: true },
    {
      key: 'post1k',
      name: 'POST 1 KiB JSON, 64 conns',
      path: '/echo',
      connections: 64,
      extra: [],
      script: { file: 'post-1k.lua', text: postScript(jsonOfSize(1024)) },
      strategies: false,
    },
    {
      key: 'get64k',
      name: 'GET 64 KiB, 64 conns',
      path: '/64k',
      connections: 64,
      extra: [],
      strategies: false,
    },
    {
      key: 'get64kNode',
      name: 'GET 64 KiB, Node-style head',
      path: '/64k-keep-alive',
      connections: 64,
      extra: [],
      strategies: false,
    },
    {
      key: 'get1m',
      name: 'GET 1 MiB, 16 conns',
      path: '/1m',
      connections: 16,
      extra: [],
      strategies: false,
    },
    {
      key: 'chunked2k',
      name: 'GET 2 KiB chunked, 64 conns',
      path: '/chunked',
      connections: 64,
      extra: [],
      strategies: false,
    },
    {
      key: 'close',
      name: 'GET 50 B, Connection: close',
      path: '/',
      connections: 64,
      extra: ['-H', 'Connection: close'],
      strategies: false,
    },
    {
      key: 'conns1000',
      name: `GET 50 B, ${manyConnections.toLocaleString('en')} conns`,
      path: '/',
      connections: manyConnections,
      extra: [],
      strategies: false,
    },
  ];
}

/** wrk arguments of `w` beyond threads, connections and duration; `dir` holds its script file. */
export function wrkExtra(w: Workload, dir: string): string[] {
  return w.script ? [...w.extra, '-s', `${dir}/${w.script.file}`] : [...w.extra];
}

/**
 * The order targets are measured in during round `round` (1-based): as given in odd rounds,
 * reversed in even ones, so over the rounds each target is measured early as often as late and a
 * drift of the shared VM's speed within a round (a neighbour's load, the backend's heap after the
 * target before) favours none of them.
 */
export function inRoundOrder<T>(targets: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...targets].reverse() : [...targets];
}
