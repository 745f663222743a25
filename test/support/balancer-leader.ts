/**
 * Waits until zone balancers know their leader: each balancer's `GET /monitor` names a non-empty
 * address (the leader pushes it with `PUT /monitor` after it starts the balancer). A balancer must
 * know its leader before it can ask it for a server (`POST /activate`), so the scale-from-zero
 * suites wait for this after the cluster is up.
 */

/**
 * Resolves once every balancer in `urls` (base URLs, e.g. `http://127.0.0.1:13710`) answers
 * `GET /monitor` with a non-empty `address`; polls every 200 ms.
 * @throws Error naming the first balancer still without a leader after `timeoutMs` (ms)
 */
export async function waitForBalancersToKnowLeader(
  urls: readonly string[],
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const url of urls) {
    for (;;) {
      const res = await fetch(`${url}/monitor`, { signal: AbortSignal.timeout(2_000) });
      if (((await res.json()) as { address: string }).address !== '') break;
      if (Date.now() > deadline) throw new Error(`the balancer at ${url} never learnt its leader`);
      await Bun.sleep(200);
    }
  }
}
