/**
 * The allow-list of upstream networks: which hosts a control-plane call may name as an upstream
 * (a balancer's `PUT /servers` add, its `PUT /monitor` address, the gateway's `PUT /zones`
 * balancers, a monitor's `POST /coordinator` leader URL and `PUT /report` servers). Without it a
 * token holder could aim health checks, proxied traffic or the token-carrying dead-server report
 * at any host. The list is CIDRs (`--upstream-allow 127.0.0.0/8,10.1.0.0/16`, IPv4 and IPv6);
 * the default is what the runtimes here hand out: 127.0.0.0/8 (the process and docker runtimes
 * run every container on the host's loopback). A URL must name an address literal (WHATWG URL
 * parsing already turns `0x7f.1` or `2130706433` into `127.0.0.1`) or `localhost`, which stands
 * for 127.0.0.1 and ::1; other host names are refused, since resolving them at check time would
 * not bind what is connected to later (DNS rebinding). Matching is `node:net`'s `BlockList`.
 */
import { BlockList, isIP } from 'node:net';
import { ZonescaleError } from './errors.ts';

/** The default allow-list: the addresses the process and docker runtimes hand out. */
export const DEFAULT_UPSTREAM_ALLOW: readonly string[] = ['127.0.0.0/8'];

/** The problem with one CIDR (`a.b.c.d/n` or `v6/n`), or null when it is valid. */
export function cidrProblem(cidr: string): string | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  const family = m ? isIP(m[1]!) : 0;
  if (!m || family === 0) return `"${cidr}" is not a CIDR (address/prefix, e.g. 127.0.0.0/8)`;
  const max = family === 4 ? 32 : 128;
  if (Number(m[2]) > max) return `"${cidr}": the prefix must be 0..${max}`;
  return null;
}

/** The upstream networks a role accepts. */
export class UpstreamAllowList {
  private readonly list = new BlockList();

  /** @throws RangeError naming the first entry that is not a CIDR */
  constructor(readonly cidrs: readonly string[]) {
    for (const c of cidrs) {
      const problem = cidrProblem(c);
      if (problem) throw new RangeError(`--upstream-allow: ${problem}`);
      const [addr, prefix] = c.split('/') as [string, string];
      this.list.addSubnet(addr, Number(prefix), isIP(addr) === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Whether `url`'s host is an address inside one of the networks (or `localhost`, as loopback). */
  allows(url: string): boolean {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return false;
    }
    if (host === 'localhost') return this.has('127.0.0.1') || this.has('::1');
    return this.has(host.startsWith('[') ? host.slice(1, -1) : host);
  }

  /**
   * Refuses the call unless every URL is allowed.
   * @throws ZonescaleError 400 `upstream_not_allowed` naming `field`, the URLs and the networks.
   */
  check(field: string, urls: readonly string[]): void {
    const refused = urls.filter((u) => !this.allows(u));
    if (refused.length === 0) return;
    throw new ZonescaleError(
      'upstream_not_allowed',
      `${field}: ${refused.join(', ')} not in the allowed upstream networks (${this.cidrs.join(', ') || 'none'}; set --upstream-allow)`,
      400,
      { refused, allowed: this.cidrs },
    );
  }

  private has(addr: string): boolean {
    const family = isIP(addr);
    return family !== 0 && this.list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
  }
}
