/**
 * In-memory `ContainerRuntime` fake for unit tests: `start` records the spec and holds the
 * container as running, `crash(id)` marks it not running (as if the process died), `stop` forgets
 * it. Tests read `specs` (every spec started, in order) and `stopped` (every id stopped) to assert
 * what the code under test asked for. Like the real runtimes, starting an id it already holds
 * replaces the old container.
 */
import type { ContainerRuntime, ContainerSpec, RuntimeContainer } from './runtime.ts';

/**
 * Options: `now` gives `startedAt` (epoch ms; default `Date.now`); `onStart` plays the started
 * process: it may throw (the runtime refuses the start, e.g. no such image) or return `running:
 * false` (it exited at once) and the `log` it wrote.
 */
export interface MemoryRuntimeOptions {
  now?: () => number;
  onStart?: (spec: ContainerSpec) => { running?: boolean; log?: string } | undefined;
}

/** A `ContainerRuntime` held in memory. `runtimeId`s are `mem-1`, `mem-2`, … */
export class MemoryRuntime implements ContainerRuntime {
  /** Every spec passed to `start`, oldest first (copies). */
  readonly specs: ContainerSpec[] = [];
  /** Every id passed to `stop` for a container it held, oldest first. */
  readonly stopped: string[] = [];
  private readonly held = new Map<string, RuntimeContainer>();
  private seq = 0;
  private readonly now: () => number;
  /** See `MemoryRuntimeOptions.onStart`; tests may set it at any time. */
  onStart: MemoryRuntimeOptions['onStart'];

  constructor(opts: MemoryRuntimeOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.onStart = opts.onStart;
  }

  async start(spec: ContainerSpec): Promise<RuntimeContainer> {
    this.specs.push({
      ...spec,
      args: [...spec.args],
      env: { ...spec.env },
      ...(spec.service ? { service: { ...spec.service, env: { ...spec.service.env } } } : {}),
    });
    const played = this.onStart?.(spec);
    if (played?.log !== undefined) this.logs.set(spec.id, played.log);
    const c: RuntimeContainer = {
      id: spec.id,
      role: spec.role,
      zone: spec.zone,
      port: spec.port,
      runtimeId: `mem-${++this.seq}`,
      running: played?.running ?? true,
      startedAt: this.now(),
    };
    this.held.set(spec.id, c);
    return { ...c };
  }

  async stop(id: string): Promise<void> {
    if (this.held.delete(id)) this.stopped.push(id);
  }

  async list(): Promise<RuntimeContainer[]> {
    return [...this.held.values()].map((c) => ({ ...c }));
  }

  /** Log text per id that `logTail` returns (tests set it). */
  readonly logs = new Map<string, string>();

  async logTail(id: string, lines: number): Promise<string> {
    return (this.logs.get(id) ?? '').split('\n').filter(Boolean).slice(-lines).join('\n');
  }

  /** Marks a held container not running (it stays listed until stopped); unknown id = no-op. */
  crash(id: string): void {
    const c = this.held.get(id);
    if (c) c.running = false;
  }

  /** The spec most recently started for `id`, or undefined. */
  lastSpec(id: string): ContainerSpec | undefined {
    return this.specs.findLast((s) => s.id === id);
  }
}
