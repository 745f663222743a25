/** The swarm service a container spec becomes: one task, host network, no swarm restarts, labels, placement. */
import { expect, test } from 'bun:test';
import { serviceSpec } from './service-spec.ts';

test('an app spec becomes one replica on the host network, never restarted by swarm, pinned to its zone and node', () => {
  const out = serviceSpec(
    {
      id: 'zone1-app-3',
      role: 'app',
      zone: 'zone1',
      port: 9103,
      args: ['--port', '9103'],
      env: {},
      node: 'n1',
    },
    {
      cluster: 'prod',
      run: { image: 'zonescale:local', cmd: ['app', '--port', '9103'], env: { ZONESCALE_CLUSTER: 'prod' } },
      constraints: ['node.labels.zonescale.zone==zone1', 'node.id==n1'],
    },
  );
  expect(out).toMatchObject({
    Name: 'zonescale-prod-zone1-app-3',
    Labels: {
      'zonescale.role': 'app',
      'zonescale.zone': 'zone1',
      'zonescale.cluster': 'prod',
      'zonescale.id': 'zone1-app-3',
      'zonescale.port': '9103',
      'zonescale.node': 'n1',
    },
    Mode: { Replicated: { Replicas: 1 } },
    TaskTemplate: {
      ContainerSpec: {
        Image: 'zonescale:local',
        Args: ['app', '--port', '9103'],
        Env: ['ZONESCALE_CLUSTER=prod'],
      },
      RestartPolicy: { Condition: 'none' },
      Networks: [{ Target: 'host' }],
      Placement: {
        Constraints: ['node.labels.zonescale.zone==zone1', 'node.id==n1'],
        Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }],
      },
    },
  });
});

test('a user’s image keeps its own CMD when the run gives none, and its entry point when a command replaces it', () => {
  const spec = { id: 'zone1-app-1', role: 'app' as const, zone: 'zone1', port: 9001, args: [], env: {} };
  const inputs = { cluster: 'prod', constraints: [] };
  const container = (o: ReturnType<typeof serviceSpec>) =>
    (o.TaskTemplate as { ContainerSpec: Record<string, unknown> }).ContainerSpec;
  const own = container(
    serviceSpec(spec, { ...inputs, run: { image: 'acme/shop:1', env: { PORT: '9001' } } }),
  );
  expect(own).toMatchObject({ Image: 'acme/shop:1', Env: ['PORT=9001'] });
  expect(own.Args).toBeUndefined();
  expect(own.Command).toBeUndefined();
  const cmd = container(
    serviceSpec(spec, {
      ...inputs,
      run: { image: 'acme/shop:1', entrypoint: ['/bin/sh', '-c'], cmd: ['serve --port $PORT'], env: {} },
    }),
  );
  expect(cmd).toMatchObject({
    Command: ['/bin/sh', '-c'],
    Args: ['serve --port $PORT'],
  });
});
