/**
 * Cluster-token authentication for mutating control-plane calls. Every role gets the same token
 * (`ZONESCALE_TOKEN`); callers send `Authorization: Bearer <token>`, the scheme matched without
 * regard to case (RFC 9110 §11.1: "auth-scheme is case-insensitive"), one or more spaces before the
 * token (`1*SP`, §11.3). The comparison is over SHA-256 digests of the offered and the expected
 * token with `crypto.timingSafeEqual`, so its time depends on neither the token's bytes nor its
 * length (a plain length check first would tell an attacker the token's length).
 */
import crypto from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { Unauthorized } from './errors.ts';

const sha256 = (s: string): Buffer => crypto.createHash('sha256').update(s, 'utf8').digest();

/** `Bearer` (any case), spaces, then the credential; trailing spaces are ignored. */
const BEARER = /^bearer +(\S+) *$/i;

/** True when `header` is `Bearer <token>` (scheme in any case) with exactly the cluster token. */
export function bearerMatches(header: string | undefined | null, token: string): boolean {
  const m = BEARER.exec(header ?? '');
  // Digests are always 32 bytes, so the comparison takes the same time whatever is offered.
  const same = crypto.timingSafeEqual(sha256(m?.[1] ?? ''), sha256(token));
  return m !== null && same;
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
