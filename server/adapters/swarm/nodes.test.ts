/** Zone membership, schedulability, addresses and the spread rule of `nodes.ts`, table-driven. */
import { describe, expect, test } from 'bun:test';
import {
  inZone,
  NoSchedulableNode,
  nodeAddress,
  pickNode,
  type SwarmNodeInfo,
  unlabelledZones,
  zoneConstraint,
} from './nodes.ts';

const node = (
  ID: string,
  labels: Record<string, string>,
  state = 'ready',
  availability = 'active',
  addr = '10.0.0.1',
): SwarmNodeInfo => ({
  ID,
  Spec: { Labels: labels, Availability: availability },
  Status: { State: state, Addr: addr },
});

const a = node(
  'a',
  { 'zonescale.zone': 'zone1', 'zonescale.zone.zone2': 'true' },
  'ready',
  'active',
  '10.0.0.1',
);
const b = node(
  'b',
  { 'zonescale.zone': 'zone1', 'zonescale.address': '192.168.1.7' },
  'ready',
  'active',
  '10.0.0.2',
);

describe('zone membership', () => {
  test.each([
    ['the zone label', a, 'zone1', true],
    ['a zonescale.zone.<zone> label', a, 'zone2', true],
    ['another zone', b, 'zone2', false],
    ['no label', node('c', {}), 'zone1', false],
  ])('%s', (_name, n, zone, expected) => {
    expect(inZone(n, zone)).toBe(expected);
  });

  test('the constraint uses the label form the node carries', () => {
    expect(zoneConstraint(a, 'zone1')).toBe('node.labels.zonescale.zone==zone1');
    expect(zoneConstraint(a, 'zone2')).toBe('node.labels.zonescale.zone.zone2==true');
  });

  test('the address is the zonescale.address label, else the swarm’s Status.Addr', () => {
    expect(nodeAddress(b)).toBe('192.168.1.7');
    expect(nodeAddress(a)).toBe('10.0.0.1');
  });

  test('zones no node carries are named', () => {
    expect(unlabelledZones([a, b], ['zone1', 'zone2', 'zone3'])).toEqual(['zone3']);
  });
});

describe('pickNode spreads a zone over its schedulable nodes', () => {
  test('the node with the fewest of the zone’s containers wins, then the fewest overall, then the lowest id', () => {
    expect(pickNode([a, b], [], 'zone1')).toEqual({ id: 'a', address: '10.0.0.1' });
    expect(pickNode([a, b], [{ zone: 'zone1', node: 'a' }], 'zone1')).toEqual({
      id: 'b',
      address: '192.168.1.7',
    });
    // Zone counts tie (one each); b holds fewer overall (a also holds a zone2 server).
    const held = [
      { zone: 'zone1', node: 'a' },
      { zone: 'zone1', node: 'b' },
      { zone: 'zone2', node: 'a' },
    ];
    expect(pickNode([a, b], held, 'zone1').id).toBe('b');
  });

  test('a balancer prefers a manager node of its zone; an app server does not', () => {
    const worker = node('a', { 'zonescale.zone': 'zone1' });
    const manager = {
      ...node('m', { 'zonescale.zone': 'zone1' }),
      Spec: { ...node('m', { 'zonescale.zone': 'zone1' }).Spec, Role: 'manager' },
    };
    expect(pickNode([worker, manager], [], 'zone1', 'balancer').id).toBe('m');
    expect(pickNode([worker, manager], [], 'zone1', 'app').id).toBe('a');
  });

  test('a zone labelled on one node goes there whatever it holds', () => {
    expect(pickNode([a, b], [{ zone: 'zone2', node: 'a' }], 'zone2').id).toBe('a');
  });

  test.each([
    ['a down node', [node('a', { 'zonescale.zone': 'zone1' }, 'down')], 1],
    ['a drained node', [node('a', { 'zonescale.zone': 'zone1' }, 'ready', 'drain')], 1],
    ['no labelled node', [node('a', { 'zonescale.zone': 'zone3' })], 0],
  ])('%s is refused with NoSchedulableNode', (_name, nodes, labelled) => {
    let err: unknown;
    try {
      pickNode(nodes, [], 'zone1');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NoSchedulableNode);
    expect((err as NoSchedulableNode).details).toEqual({ zone: 'zone1', labelled });
  });

  test('a down node’s servers are skipped: the zone’s live node takes the next one', () => {
    const down = node('a', { 'zonescale.zone': 'zone1' }, 'down');
    expect(pickNode([down, b], [{ zone: 'zone1', node: 'b' }], 'zone1').id).toBe('b');
  });
});
