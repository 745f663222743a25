/**
 * Upstream pinning, pure: a request carrying `x-zonescale-upstream: <pin>` (see
 * `shared/upstream-pin.ts`) goes to the candidate whose URL has that pin, and to no other server.
 * A page served through the balancer uses it so its own calls (the app UI's `POST /scenario`, its
 * `/stream`) reach the server that served it, whatever the zone's strategy. No candidate with the
 * pin (the server left the alive pool, or a retry already tried it) is `null`: the forwarder then
 * answers 503 `pinned_server_unavailable` (or the failed try's 502/504) rather than send the call
 * to another server — as HAProxy's cookie persistence does without `option redispatch`.
 * Any client may pin to any alive server of the zone, exactly as with a persistence cookie.
 */
import { upstreamPin } from '../../shared/upstream-pin.ts';

/** Resolves pins against candidate URLs; remembers each URL's pin (a SHA-256) once computed. */
export class PinnedUpstreams {
  private readonly pins = new Map<string, string>();

  /** The candidate whose pin is `pin`, or null when none has it. */
  resolve(pin: string, candidates: readonly string[]): string | null {
    for (const url of candidates) if (this.pinOf(url) === pin) return url;
    return null;
  }

  private pinOf(url: string): string {
    let p = this.pins.get(url);
    if (p === undefined) {
      p = upstreamPin(url);
      if (this.pins.size > 10_000) this.pins.clear();
      this.pins.set(url, p);
    }
    return p;
  }
}
