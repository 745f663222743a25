/**
 * The affinity key of a request for the `consistent-hash` strategy, pure: `--hash-key` names where
 * it comes from — `header:<name>` (e.g. `header:x-session-id`), `cookie:<name>` (e.g.
 * `cookie:sid`) or `client` (the client address). A request without the named header or cookie
 * falls back to its client address, so it still sticks to one server.
 */

/** Where the affinity key comes from. */
export type HashKeySource =
  | { kind: 'header'; name: string }
  | { kind: 'cookie'; name: string }
  | { kind: 'client' };

/**
 * Parses `--hash-key` (`header:<name>`, `cookie:<name>` or `client`); header names are lower-cased.
 * @throws Error naming the value when it has another shape (config validation refuses it first).
 */
export function parseHashKey(spec: string): HashKeySource {
  if (spec === 'client') return { kind: 'client' };
  const m = /^(header|cookie):(.+)$/.exec(spec);
  if (!m) throw new Error(`--hash-key "${spec}" must be header:<name>, cookie:<name> or client`);
  return m[1] === 'header'
    ? { kind: 'header', name: (m[2] as string).toLowerCase() }
    : { kind: 'cookie', name: m[2] as string };
}

/** Value of cookie `name` in a `Cookie` header (`a=1; sid=xyz`), or undefined. */
export function cookieValue(cookieHeader: string | null | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The key of one request: the named header or cookie when present and non-empty, else
 * `clientAddress`; undefined when there is neither (the strategy then picks at random).
 */
export function affinityKey(
  src: HashKeySource,
  req: { header(name: string): string | null | undefined },
  clientAddress: string,
): string | undefined {
  let v: string | null | undefined;
  if (src.kind === 'header') v = req.header(src.name);
  else if (src.kind === 'cookie') v = cookieValue(req.header('cookie'), src.name);
  if (v) return v;
  return clientAddress || undefined;
}
