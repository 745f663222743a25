/**
 * Which web pages may use a page key (the dashboard's `x-dashboard-key`, the app UI's `x-ui-key`).
 * A page key sits in the HTML a role serves, so two things must hold for a keyed browser call:
 * the page was not read by another web site, and the call comes from the page itself. Rules:
 * - **Host** (DNS rebinding defence, as Vite's `server.allowedHosts` and webpack-dev-server's
 *   `allowedHosts` do it): the `Host` name must be an IP literal, `localhost`, or one of the
 *   configured names (the monitors' peer URLs, `--allowed-hosts`). A rebinding attack reaches us
 *   under the attacker's domain name, so its `Host` is refused; the port is not compared.
 * - **Origin** (CSRF, as Django's `CSRF_TRUSTED_ORIGINS`): on a mutating call, an `Origin` header
 *   must be the request's own origin (same host and port as `Host`) or one of the trusted origins
 *   (for the monitors: every replica's, since the dashboard follows a failover); `Origin: null`
 *   (sandboxed frame, file page) is refused. Without `Origin`, a `Sec-Fetch-Site` other than
 *   `same-origin` or `none` is refused; a call with neither header is not a browser's (curl, a role
 *   with the token) and passes to the credential check.
 * - **CORS** is answered to trusted origins only, never `*`, and never on HTML.
 * Loopback origins count under each loopback name (`127.0.0.1`, `localhost`, `[::1]`), so a
 * dashboard opened at `localhost:7001` may fail over to `127.0.0.1:7002`.
 * Refusals are 403 JSON errors (`untrusted_host`, `cross_origin`) and change nothing.
 */
import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** The names and origins a role trusts; build with `originPolicy`. */
export interface OriginPolicy {
  /** Host names (lower case, IPv6 in brackets) trusted besides IP literals and `localhost`. */
  hostnames: ReadonlySet<string>;
  /** Origins (`scheme://host[:port]`, as `URL.origin` writes them) trusted besides the request's own. */
  origins: ReadonlySet<string>;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The policy for a role: `trustedUrls` are the origins whose pages may call it (e.g. every monitor
 * replica's URL), `allowedHosts` extra host names (`--allowed-hosts`). Invalid URLs are skipped.
 */
export function originPolicy(
  trustedUrls: readonly string[],
  allowedHosts: readonly string[] = [],
): OriginPolicy {
  const hostnames = new Set<string>(allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean));
  const origins = new Set<string>();
  for (const u of trustedUrls) {
    if (!URL.canParse(u)) continue;
    const url = new URL(u);
    hostnames.add(url.hostname);
    origins.add(url.origin);
    if (LOOPBACK.includes(url.hostname))
      for (const name of LOOPBACK) {
        const alias = new URL(url.origin);
        alias.hostname = name;
        origins.add(alias.origin);
      }
  }
  return { hostnames, origins };
}

/** `host` of a `Host` header value (`name[:port]`, lower case), or null when it is not one. */
function parseHost(value: string | undefined | null): URL | null {
  if (!value || /[\s/\\?#@]/.test(value)) return null;
  try {
    return new URL(`http://${value}`);
  } catch {
    return null;
  }
}

/** True when the `Host` header names an IP literal, `localhost` or a trusted name. */
export function hostTrusted(policy: OriginPolicy, hostHeader: string | undefined | null): boolean {
  const url = parseHost(hostHeader);
  if (!url) return false;
  const name = url.hostname;
  return name === 'localhost' || isIP(name.replace(/^\[|\]$/g, '')) !== 0 || policy.hostnames.has(name);
}

/** True when `origin` is trusted for a request that arrived with `hostHeader`. */
export function originTrusted(
  policy: OriginPolicy,
  origin: string,
  hostHeader: string | undefined | null,
): boolean {
  if (!/^https?:\/\//.test(origin) || !URL.canParse(origin)) return false;
  const o = new URL(origin);
  if (o.origin !== origin.replace(/\/$/, '')) return false;
  if (policy.origins.has(o.origin)) return true;
  const own = parseHost(hostHeader);
  return own !== null && own.host === o.host;
}

/** Why a browser call is refused, or null when it may go on to the credential check. */
export type Refusal = { error: 'untrusted_host' | 'cross_origin'; message: string };

/**
 * Checks one request's `Host`, `Origin` and `Sec-Fetch-Site` (header values, undefined when
 * absent) as the module comment says. Pure.
 */
export function checkBrowserCall(
  policy: OriginPolicy,
  h: { host?: string | null; origin?: string | null; secFetchSite?: string | null },
): Refusal | null {
  if (!hostTrusted(policy, h.host))
    return {
      error: 'untrusted_host',
      message: `Host "${h.host ?? ''}" is not a name this server answers to (use an IP address, localhost or a name in --allowed-hosts)`,
    };
  if (h.origin !== undefined && h.origin !== null) {
    if (originTrusted(policy, h.origin, h.host)) return null;
    return { error: 'cross_origin', message: `calls from the web page at ${h.origin} are refused` };
  }
  const site = h.secFetchSite;
  if (site && site !== 'same-origin' && site !== 'none')
    return { error: 'cross_origin', message: `a ${site} call without Origin is refused` };
  return null;
}

type Ctx = Parameters<MiddlewareHandler>[0];

const refuse = (c: Ctx, r: Refusal) => c.json({ error: r.error, message: r.message }, 403);

/** The request's `Host` header, else the authority of its URL (a request without `Host`). */
export function hostOf(c: Ctx): string {
  return c.req.header('host') ?? new URL(c.req.url).host;
}

/** Middleware: 403 `untrusted_host` unless `Host` is trusted (for pages that carry a key). */
export function requireTrustedHost(policy: OriginPolicy): MiddlewareHandler {
  return async (c, next) => {
    const host = hostOf(c);
    if (hostTrusted(policy, host)) return next();
    return refuse(c, checkBrowserCall(policy, { host }) as Refusal);
  };
}

/**
 * Middleware for keyed routes: a mutating request (any method but GET, HEAD, OPTIONS) passes only
 * when `checkBrowserCall` finds nothing wrong; reads pass when `Host` is trusted.
 */
export function requireTrustedOrigin(policy: OriginPolicy): MiddlewareHandler {
  return async (c, next) => {
    const m = c.req.method;
    const host = hostOf(c);
    const r =
      m === 'GET' || m === 'HEAD' || m === 'OPTIONS'
        ? hostTrusted(policy, host)
          ? null
          : checkBrowserCall(policy, { host })
        : checkBrowserCall(policy, {
            host,
            origin: c.req.header('origin'),
            secFetchSite: c.req.header('sec-fetch-site'),
          });
    return r ? refuse(c, r) : next();
  };
}

/**
 * CORS answered only to trusted origins (the policy's, or the request's own): the header is
 * absent for any other origin, so the browser keeps the answer from the calling page.
 */
export function trustedCors(
  policy: OriginPolicy,
  allowMethods: string[],
  allowHeaders: string[] = [],
): MiddlewareHandler {
  return cors({
    origin: (origin, c) =>
      origin && hostTrusted(policy, hostOf(c)) && originTrusted(policy, origin, hostOf(c)) ? origin : null,
    allowMethods,
    allowHeaders,
    maxAge: 600,
  });
}
