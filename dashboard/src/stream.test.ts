/**
 * Tests of the dashboard stream's failover with a fake EventSource and a manual clock: a stream
 * error or a silent source makes it report `reconnecting`, close the dead EventSource and connect
 * to another monitor within 5 s, keeping the CPU history.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import type { ClusterState } from '../../server/shared/types.ts';
import {
  type ClusterStream,
  type EventSourceLike,
  type StreamClock,
  type StreamSnapshot,
  startClusterStream,
} from './stream.ts';
import { clusterState, scaleEvent } from './test-fixtures.ts';

class FakeEventSource implements EventSourceLike {
  closed = false;
  private listeners = new Map<string, ((ev: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (ev: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closed = true;
  }
  emit(type: string, data: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l({ data: JSON.stringify(data) } as MessageEvent<string>);
  }
}

class ManualClock implements StreamClock {
  t = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown): void => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  /** Advances time by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (due === undefined || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
  pending(): number {
    return this.timers.length;
  }
}

let stream: ClusterStream | null = null;
afterEach(() => {
  stream?.stop();
  stream = null;
});

function setup() {
  const clock = new ManualClock();
  const sources: FakeEventSource[] = [];
  const snaps: StreamSnapshot[] = [];
  stream = startClusterStream(
    {
      initialUrl: 'http://127.0.0.1:17001',
      clock,
      makeEventSource: (url) => {
        const es = new FakeEventSource(url);
        sources.push(es);
        return es;
      },
    },
    (s) => snaps.push(s),
  );
  const last = () => snaps[snaps.length - 1]!;
  const tick = (es: FakeEventSource, over: Partial<ClusterState> = {}) =>
    es.emit('state', clusterState(clock.t, over));
  return { clock, sources, last, tick };
}

describe('startClusterStream', () => {
  test('connects to the initial monitor and goes live on the first state', () => {
    const { sources, last, tick } = setup();
    expect(sources[0]!.url).toBe('http://127.0.0.1:17001/events');
    tick(sources[0]!);
    expect(last().status).toBe('live');
    expect(last().source).toEqual({ url: 'http://127.0.0.1:17001', id: 1 });
  });

  test('a stream error shows reconnecting and switches to another monitor within 5 s', () => {
    const { clock, sources, last, tick } = setup();
    tick(sources[0]!);
    sources[0]!.emit('error', null);
    expect(last().status).toBe('reconnecting');
    expect(last().lostSource).toEqual({ url: 'http://127.0.0.1:17001', id: 1 });
    expect(sources[0]!.closed).toBe(true);
    clock.advance(1000);
    expect(sources).toHaveLength(2);
    expect(sources[1]!.url).toBe('http://127.0.0.1:17002/events');
    tick(sources[1]!, { monitorId: 2 });
    expect(last().status).toBe('live');
    expect(last().source.id).toBe(2);
    expect(last().lostSource).toBeNull();
    expect(last().failovers).toBe(1);
  });

  test('a source that stops sending states is dropped as dead within 5 s', () => {
    const { clock, sources, last, tick } = setup();
    tick(sources[0]!);
    clock.advance(5000);
    expect(sources[0]!.closed).toBe(true);
    expect(sources.length).toBeGreaterThanOrEqual(2);
    expect(sources[1]!.url).toBe('http://127.0.0.1:17002/events');
    expect(last().lastError).toContain('no data');
  });

  test('repeated failures rotate through every monitor instead of bouncing between two', () => {
    const { clock, sources, tick } = setup();
    tick(sources[0]!);
    sources[0]!.emit('error', null);
    clock.advance(600);
    sources[1]!.emit('error', null);
    clock.advance(1100);
    expect(sources.map((s) => s.url)).toEqual([
      'http://127.0.0.1:17001/events',
      'http://127.0.0.1:17002/events',
      'http://127.0.0.1:17003/events',
    ]);
  });

  test('events from a closed source are ignored', () => {
    const { clock, sources, last, tick } = setup();
    tick(sources[0]!);
    sources[0]!.emit('error', null);
    clock.advance(600);
    tick(sources[0]!, { monitorId: 9 });
    expect(last().status).toBe('reconnecting');
    expect(last().state?.monitorId).toBe(1);
  });

  test('the CPU history survives a reconnect and merges the new monitor history', () => {
    const { clock, sources, last, tick } = setup();
    sources[0]!.emit('history', { zone1: [{ t: clock.t - 2000, cpu: 11 }] });
    tick(sources[0]!);
    sources[0]!.emit('error', null);
    clock.advance(600);
    sources[1]!.emit('history', { zone1: [{ t: clock.t - 1000, cpu: 22 }] });
    expect(last().cpu.zone1?.map((p) => p.cpu)).toEqual([11, 22, 50]);
  });

  test('a cluster-event is kept as the latest event hint', () => {
    const { sources, last } = setup();
    sources[0]!.emit('cluster-event', { id: 'e1', kind: 'scale-up' });
    expect(last().lastEvent?.id).toBe('e1');
  });

  test('a no-op decision is no toast hint, and does not replace the scale event before it', () => {
    const { sources, last } = setup();
    sources[0]!.emit('cluster-event', { id: 'e1', kind: 'remove-dead' });
    sources[0]!.emit('cluster-event', { id: 'e2', kind: 'decision', reason: 'AtMinReplicas' });
    expect(last().lastEvent?.id).toBe('e1');
  });

  test('an event first seen in a state (its hint lost in a reconnect) still becomes the toast hint, once', () => {
    const { sources, last, tick, clock } = setup();
    tick(sources[0]!, { events: [scaleEvent('old', clock.t - 60_000, 'zone1', 1, 2)] });
    expect(last().lastEvent).toBeNull(); // history, not news
    const fresh = scaleEvent('new', clock.t, 'zone1', 2, 3);
    tick(sources[0]!, { events: [fresh, scaleEvent('old', clock.t - 60_000, 'zone1', 1, 2)] });
    expect(last().lastEvent?.id).toBe('new');
    sources[0]!.emit('cluster-event', { ...fresh, id: 'new' });
    expect(last().lastEvent?.id).toBe('new');
  });

  test('stop closes the source and cancels every timer', () => {
    const { clock, sources } = setup();
    stream?.stop();
    expect(sources[0]!.closed).toBe(true);
    expect(clock.pending()).toBe(0);
  });
});
