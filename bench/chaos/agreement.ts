/**
 * Whether the registry, the runtime and the balancers agree, as a pure comparison: every registered
 * container runs and nothing else runs; every zone balancer holds exactly the registry's app
 * servers of its zone, all alive. Returns the disagreements as sentences (empty = agreement).
 */
import type { RuntimeContainer } from '../../server/adapters/runtime.ts';
import type { ContainerRecord } from '../../server/shared/types.ts';
import type { Pools } from '../support/cluster-probe.ts';

/** Disagreements between `registry`, `runtime` and `pools` (zone -> its balancer's pools, null if it did not answer). */
export function disagreements(
  registry: readonly ContainerRecord[],
  runtime: readonly RuntimeContainer[],
  pools: ReadonlyMap<string, Pools | null>,
): string[] {
  const out: string[] = [];
  const running = new Set(runtime.filter((c) => c.running).map((c) => c.id));
  const registered = new Set(registry.map((r) => r.id));
  for (const id of registered) if (!running.has(id)) out.push(`${id} is in the registry but not running`);
  for (const id of running) if (!registered.has(id)) out.push(`${id} runs but is not in the registry`);
  for (const [zone, p] of pools) {
    if (!p) {
      out.push(`the ${zone} balancer does not answer`);
      continue;
    }
    const want = new Set(registry.filter((r) => r.role === 'app' && r.zone === zone).map((r) => r.url));
    const alive = new Set(p.alive.map((s) => s.url));
    for (const u of want) if (!alive.has(u)) out.push(`the ${zone} balancer does not hold ${u} alive`);
    for (const u of alive)
      if (!want.has(u)) out.push(`the ${zone} balancer holds ${u}, which the registry does not`);
    for (const s of [...p.disconnected, ...p.dead])
      out.push(`the ${zone} balancer still holds ${s.url} (not alive)`);
  }
  return out;
}
