/**
 * The advertised address: the host part of every URL a role hands to another (a monitor's own URL
 * in its announcements, an app server's URL in its upstream pin, the URLs the leader registers for
 * the servers it starts). `--advertise-address` (default 127.0.0.1) names it; a role listening on
 * one specific interface with the default left alone advertises that interface, so a server started
 * with `--host 127.0.0.5` keeps being reached where it listens. A wildcard listen (`0.0.0.0`, `::`)
 * advertises the advertise address.
 */

/** Default of `--advertise-address`: the embedded one-host cluster's loopback address. */
export const DEFAULT_ADVERTISE_ADDRESS = '127.0.0.1';

/** The host a role listening on `host` advertises, given `--advertise-address`; see the module comment. */
export function advertisedHost(host: string, advertiseAddress: string): string {
  const wildcard = /^(0\.0\.0\.0|::|\[::\])$/.test(host);
  return advertiseAddress !== DEFAULT_ADVERTISE_ADDRESS || wildcard ? advertiseAddress : host;
}

/** `http://<address>:<port>`, with an IPv6 address in brackets. */
export function httpUrl(address: string, port: number): string {
  return `http://${address.includes(':') && !address.startsWith('[') ? `[${address}]` : address}:${port}`;
}
