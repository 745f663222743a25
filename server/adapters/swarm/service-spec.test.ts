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
      image: 'zonescale:local',
      env: { ZONESCALE_CLUSTER: 'prod' },
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
