/**
 * The swarm runtime on the real swarm of scripts/swarm.sh (a manager on the engine of
 * scripts/services.sh and, where Swarm allows it here, a second dockerd joined as a worker at
 * 127.0.0.2): the shared runtime contract with tiny Bun servers in the imported base image (host
 * networking, free ephemeral ports), then placement: a zone's servers spread over its nodes and
 * each answers on its node's address, a zone labelled on one node stays there, a zone no node
 * carries is refused with NoSchedulableNode, a new runtime (a new leader) finds every service by
 * label, a node without the image fails the start with the task's error, and the start-up check.
 * Every service is removed after each test, also on failure. Two-node tests skip on a one-node
 * swarm. Fails with CI=true when the swarm is absent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { runtimeContract, serviceContract } from '../../server/adapters/runtime.contract.ts';
import type { ContainerSpec, ServiceSpec } from '../../server/adapters/runtime.ts';
import { NoSchedulableNode, nodeAddress } from '../../server/adapters/swarm/nodes.ts';
import { SwarmRuntime } from '../../server/adapters/swarm/runtime-swarm.ts';
import { freePort } from '../support/ports.ts';
import { copyImage } from '../support/swarm-world.ts';
import { buildImage, eventually, RUN_ID, requireService, SERVICES } from './services.ts';

const ok = await requireService('docker', 'swarm');
const BASE = 'zonescale/bun-base:local';
const twoNodes = ok && (await new SwarmRuntime({ cluster: 'probe' }).nodes()).length >= 2;
let clusters = 0;
const runtimes: SwarmRuntime[] = [];

/** Node id -> address, read once from the swarm (the tiny servers bind their node's address). */
const addresses = new Map<string, string>();

function runtime(cluster = `sw${RUN_ID}${++clusters}`, image = BASE): SwarmRuntime {
  const rt = new SwarmRuntime({
    cluster,
    image,
    startTimeoutMs: 30_000,
    command: (spec) => ({
      entrypoint: ['/usr/local/bin/bun', '-e'],
      cmd: [
        `Bun.serve({ hostname: '${addresses.get(spec.node ?? '') ?? '0.0.0.0'}', port: ${spec.port}, fetch: () => new Response('ok ' + (process.env.GREETING ?? '')) }); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);`,
      ],
    }),
  });
  runtimes.push(rt);
  return rt;
}

async function cleanup(): Promise<void> {
  for (const rt of runtimes.splice(0))
    for (const c of await rt.list().catch(() => [])) await rt.stop(c.id).catch(() => {});
}

if (ok)
  for (const n of await new SwarmRuntime({ cluster: 'probe' }).nodes()) addresses.set(n.ID, nodeAddress(n));

const spec = (id: string, zone = 'zone1', env: Record<string, string> = {}): ContainerSpec => ({
  id,
  role: id.endsWith('balancer') ? 'balancer' : 'app',
  zone,
  port: freePort(),
  args: [],
  env,
});

/** The engine socket of the node `nodeId` (the manager's, or the second engine's). */
async function engineOf(nodeId: string): Promise<string> {
  for (const socket of [SERVICES.dockerSocket, SERVICES.swarmNode2Socket].filter(Boolean)) {
    const info = (await (await fetch('http://docker/info', { unix: socket })).json()) as {
      Swarm: { NodeID: string };
    };
    if (info.Swarm.NodeID === nodeId) return socket;
  }
  throw new Error(`no engine of this machine is node ${nodeId}`);
}

afterAll(cleanup, 120_000);

/** The Bun example as a user's image (built here, copied to the second node), and one that exits at once. */
const BUN_HTTP_IMAGE = 'zonescale-example/bun-http:local';
const bunHttp: ServiceSpec = { image: BUN_HTTP_IMAGE, env: {}, healthPath: '/healthz', readinessDelayMs: 0 };
const exiting: ServiceSpec = {
  image: BASE,
  args: ['/usr/local/bin/bun', '-e', 'console.log("boom " + process.env.GREETING); process.exit(3)'],
  env: {},
  healthPath: '/',
  readinessDelayMs: 0,
};

/** A swarm runtime running specs as given (no test command), on the manager unless a spec names a node. */
function serviceRuntime(): SwarmRuntime {
  const rt = new SwarmRuntime({ cluster: `swsvc${RUN_ID}${++clusters}`, startTimeoutMs: 30_000 });
  const start = rt.start.bind(rt);
  // The shared contract reaches a service on 127.0.0.1: the manager's address here.
  rt.start = async (s) =>
    start({ ...s, node: s.node ?? (await rt.nodes()).find((n) => n.Spec?.Role === 'manager')?.ID });
  runtimes.push(rt);
  return rt;
}

beforeAll(async () => {
  if (!ok) return;
  await buildImage(BUN_HTTP_IMAGE, 'examples/bun-http');
  if (twoNodes) await copyImage(BUN_HTTP_IMAGE, SERVICES.swarmNode2Socket);
}, 180_000);

if (ok)
  serviceContract('swarm', () => ({
    runtime: serviceRuntime(),
    answering: () => bunHttp,
    exiting: () => exiting,
    port: freePort,
  }));

if (ok) {
  runtimeContract('swarm', () => {
    const rt = runtime();
    return {
      runtime: rt,
      spec: (id) => spec(id),
      async crash(id) {
        const c = (await rt.list()).find((x) => x.id === id);
        if (!c?.node) throw new Error(`${id} is not placed`);
        const socket = await engineOf(c.node);
        await fetch(`http://docker/containers/${c.runtimeId}/kill`, { method: 'POST', unix: socket });
        await eventually(async () => !(await rt.list()).find((x) => x.id === id)?.running, 20_000);
      },
    };
  });
}

describe.skipIf(!ok)('Swarm runtime on a real swarm', () => {
  afterEach(cleanup, 120_000);

  test('a service answers on its node’s address with the spec’s env (host networking)', async () => {
    const rt = runtime();
    const s = spec('zone1-app-1', 'zone1', { GREETING: 'hello' });
    const started = await rt.start(s);
    expect(started.node).toBeString();
    expect(started.address).toBe(addresses.get(started.node as string) as string);
    let body = '';
    expect(
      await eventually(async () => {
        body = await (await fetch(`http://${started.address}:${s.port}/`)).text();
        return true;
      }, 15_000),
    ).toBe(true);
    expect(body).toBe('ok hello');
  }, 60_000);

  test.skipIf(!twoNodes)(
    'a zone’s servers spread over its two nodes, each on its own address',
    async () => {
      const rt = runtime();
      const a = await rt.start(spec('zone1-app-1'));
      const b = await rt.start(spec('zone1-app-2'));
      expect(new Set([a.node, b.node]).size).toBe(2);
      expect(new Set([a.address, b.address])).toEqual(new Set(['127.0.0.1', '127.0.0.2']));
      for (const c of [a, b])
        expect(await eventually(async () => (await fetch(`http://${c.address}:${c.port}/`)).ok, 15_000)).toBe(
          true,
        );
      // The third goes back to a node holding one, not onto a node of another zone.
      const c = await rt.start(spec('zone1-app-3'));
      expect([a.node, b.node]).toContain(c.node);
    },
    90_000,
  );

  test.skipIf(!twoNodes)(
    'a user’s image with its own CMD on the second node listens on that node’s address (HOST) and PORT',
    async () => {
      const rt = serviceRuntime();
      const worker = (await rt.nodes()).find((n) => n.Spec?.Role === 'worker')?.ID as string;
      const port = freePort();
      const started = await rt.start({
        id: 'zone1-app-1',
        role: 'app',
        zone: 'zone1',
        port,
        args: ['ignored'],
        env: {},
        node: worker,
        service: bunHttp,
      });
      expect([started.node, started.address, started.running]).toEqual([worker, '127.0.0.2', true]);
      expect(await eventually(async () => (await fetch(`http://127.0.0.2:${port}/`)).ok, 15_000)).toBe(true);
      expect(await (await fetch(`http://127.0.0.2:${port}/`)).json()).toMatchObject({ service: 'bun-http' });
    },
    60_000,
  );

  test('a zone labelled on one node only is placed there', async () => {
    const rt = runtime();
    const nodes = await rt.nodes();
    const zone2 = nodes.filter((n) => 'zonescale.zone.zone2' in (n.Spec?.Labels ?? {})).map((n) => n.ID);
    expect(zone2).toHaveLength(1);
    for (const i of [1, 2])
      expect((await rt.start(spec(`zone2-app-${i}`, 'zone2'))).node).toBe(zone2[0] as string);
  }, 60_000);

  test('a zone no node is labelled for is refused with NoSchedulableNode, and nothing is created', async () => {
    const rt = runtime();
    await expect(rt.place('zone9')).rejects.toBeInstanceOf(NoSchedulableNode);
    await expect(rt.start(spec('zone9-app-1', 'zone9'))).rejects.toBeInstanceOf(NoSchedulableNode);
    expect(await rt.list()).toEqual([]);
  }, 30_000);

  test('a new runtime instance (a new leader) finds every service by label, another cluster’s stay out', async () => {
    const cluster = `sw${RUN_ID}recover`;
    const first = runtime(cluster);
    const a = await first.start(spec('zone1-app-1'));
    const b = await first.start(spec('zone2-balancer', 'zone2'));
    await runtime().start(spec('zone1-app-9'));
    const recovered = await runtime(cluster).list();
    expect(recovered.map((c) => [c.id, c.role, c.zone, c.port, c.runtimeId, c.running, c.node])).toEqual([
      [a.id, 'app', 'zone1', a.port, a.runtimeId, true, a.node],
      [b.id, 'balancer', 'zone2', b.port, b.runtimeId, true, b.node],
    ]);
  }, 60_000);

  test('a node without the image fails the start with the task’s error and leaves no service', async () => {
    const rt = runtime(undefined, 'zonescale/absent:local');
    await expect(rt.start(spec('zone1-app-1'))).rejects.toThrow(/No such image|does not exist|not found/i);
    expect(await rt.list()).toEqual([]);
  }, 60_000);

  test.skipIf(!twoNodes)(
    'a node that failed a start (no image there) is passed over while the zone has another',
    async () => {
      const tag = `zonescale/manager-only:${RUN_ID}`;
      await Bun.spawn(['/usr/bin/docker', '-H', `unix://${SERVICES.dockerSocket}`, 'tag', BASE, tag]).exited;
      try {
        const rt = runtime(undefined, tag);
        const manager = (await rt.nodes()).find((n) => n.Spec?.Role === 'manager')?.ID as string;
        const worker = (await rt.nodes()).find((n) => n.Spec?.Role === 'worker')?.ID as string;
        await expect(rt.start({ ...spec('zone1-app-1'), node: worker })).rejects.toThrow(/No such image/);
        expect((await rt.place('zone1')).id).toBe(manager);
        expect((await rt.start(spec('zone1-app-2'))).node).toBe(manager);
      } finally {
        await Bun.spawn(['/usr/bin/docker', '-H', `unix://${SERVICES.dockerSocket}`, 'rmi', '-f', tag])
          .exited;
      }
    },
    60_000,
  );

  test('the start-up check names a zone no node carries; a worker engine is refused', async () => {
    const rt = runtime();
    expect(await rt.check(['zone1', 'zone2', 'zone7'])).toEqual([
      'no swarm node is labelled for zone7 (docker node update --label-add zonescale.zone=zone7 <node>)',
    ]);
    if (twoNodes)
      await expect(
        new SwarmRuntime({ cluster: 'w', socketPath: SERVICES.swarmNode2Socket }).check([]),
      ).rejects.toThrow(/worker/);
  }, 30_000);
});
