/**
 * An app server's load model: the active scenario, the CPU it reports, and the samples it
 * publishes. Each `tick()` (every `sampleIntervalMs`, source design: 1 s) measures process CPU,
 * advances the scenario curve, steers the burner (in `burn` mode), builds a `Sample`, publishes it
 * on the metrics bus, keeps it in a 120 s history for the page, and hands it to live subscribers.
 * In `simulate` mode the reported CPU is the curve itself and nothing burns. Clock, random source,
 * CPU meter, memory reading and burner are injected.
 */
import type { MetricsPublisher } from '../adapters/metrics-bus.ts';
import type { Sample, ScenarioMode } from '../shared/types.ts';

/** A sample as the app itself measures it: its resource and app fields are always present. */
export type AppSample = Sample &
  Required<Pick<Sample, 'cpu' | 'memoryMb' | 'throughput' | 'healthy' | 'scenario'>>;

import { type Burner, type DutyState, nextDuty } from './burner.ts';
import type { CpuMeter } from './cpu-meter.ts';
import {
  DEFAULT_CURVE,
  type ScenarioCurve,
  type ScenarioState,
  startScenario,
  stepScenario,
} from './scenario.ts';
import { ThroughputMeter } from './throughput.ts';

/** How much sample history the page gets on connect, ms. */
export const HISTORY_MS = 120_000;

/** Dependencies of `AppLoad`. */
export interface AppLoadDeps {
  id: string;
  zone: string;
  /** `burn`: the burner makes measured CPU follow the curve; `simulate`: report the curve. */
  scenarioMode: 'burn' | 'simulate';
  publisher: MetricsPublisher;
  cpuMeter: CpuMeter;
  /** Resident memory, MB. */
  memoryMb: () => number;
  /** Epoch ms. */
  now: () => number;
  /** Uniform in [0, 1). */
  rand: () => number;
  /** Required in `burn` mode. */
  burner?: Burner | null;
  curve?: ScenarioCurve;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The load model of one app server; see the module comment. */
export class AppLoad {
  readonly throughput = new ThroughputMeter();
  /** Requests being served right now. */
  inFlight = 0;
  private state: ScenarioState = startScenario('off');
  private duty: DutyState = { integral: 0 };
  private lastTick: number;
  private last: AppSample | null = null;
  private readonly samples: AppSample[] = [];
  private readonly listeners = new Set<(s: AppSample) => void>();
  private readonly curve: ScenarioCurve;

  constructor(private readonly deps: AppLoadDeps) {
    this.lastTick = deps.now();
    this.curve = deps.curve ?? DEFAULT_CURVE;
  }

  /** The active scenario mode. */
  scenario(): ScenarioMode {
    return this.state.mode;
  }

  /** The curve's current target %, or null when off. */
  target(): number | null {
    return this.state.target;
  }

  /** Switches the scenario; switching to the active mode keeps its progress (idempotent). Returns the previous mode. */
  setScenario(mode: ScenarioMode): ScenarioMode {
    const previous = this.state.mode;
    if (mode !== previous) {
      this.state = startScenario(mode, this.curve);
      if (mode === 'off') this.deps.burner?.setDuty(0);
    }
    return previous;
  }

  /** The newest sample, or null before the first tick. */
  latest(): AppSample | null {
    return this.last;
  }

  /** Samples of the last `HISTORY_MS`, oldest first. */
  history(): AppSample[] {
    return [...this.samples];
  }

  /** Calls `fn` with every new sample until the returned function is called. */
  subscribe(fn: (s: AppSample) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Takes one sample, publishes it and returns it. */
  tick(): AppSample {
    const now = this.deps.now();
    const dt = Math.max(0, now - this.lastTick);
    this.lastTick = now;
    const measured = this.deps.cpuMeter.read();
    this.state = stepScenario(this.state, dt, this.deps.rand, this.curve);
    const target = this.state.target;
    let cpu = measured;
    if (this.deps.scenarioMode === 'simulate') {
      if (target !== null) cpu = target;
    } else if (this.deps.burner) {
      const next = nextDuty(this.duty, target, measured);
      this.duty = next.state;
      this.deps.burner.setDuty(next.duty);
    }
    const sample: AppSample = {
      serverId: this.deps.id,
      zone: this.deps.zone,
      ts: Math.floor(now),
      source: 'app',
      cpu: round1(Math.max(0, cpu)),
      memoryMb: round1(this.deps.memoryMb()),
      throughput: round1(this.throughput.take(dt)),
      healthy: true,
      scenario: this.state.mode,
    };
    this.last = sample;
    this.samples.push(sample);
    while (this.samples.length > 0 && this.samples[0]!.ts < now - HISTORY_MS) this.samples.shift();
    this.deps.publisher.publish(sample);
    for (const fn of this.listeners) {
      try {
        fn(sample);
      } catch {
        // a broken subscriber must not stop sampling
      }
    }
    return sample;
  }
}
