/**
 * Cluster-token authentication for mutating control-plane calls. Every role gets the same token
 * (`ZONESCALE_TOKEN`); callers send `Authorization: Bearer <token>`. The comparison is constant-time
 * so the token cannot be guessed byte by byte from response timings.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { Unauthorized } from './errors.ts';

/** True when `header` is `Bearer <token>` with exactly the cluster token. */
export function bearerMatches(header: string | undefined | null, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const offered = Buffer.from(header.slice(7).trim());
  const expected = Buffer.from(token);
  return offered.length === expected.length && timingSafeEqual(offered, expected);
}

/**
 * Hono middleware that refuses the request with 401 (JSON error, nothing changed) unless it carries
 * the cluster token. `alsoAllow` may accept another credential (the app UI's page key).
 * @throws Unauthorized, turned into 401 by the shared error handler.
 */
export function requireToken(token: string, alsoAllow?: (req: Request) => boolean): MiddlewareHandler {
  return async (c, next) => {
    if (bearerMatches(c.req.header('authorization'), token)) return next();
    if (alsoAllow?.(c.req.raw)) return next();
    throw new Unauthorized();
  };
}

/** Headers for an outgoing control-plane call carrying the cluster token and a JSON body. */
export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}
