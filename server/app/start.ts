/**
 * Starts an app server: one replica of the scaled service. It serves user work and its page
 * (`routes.ts`), samples its own load every `sampleIntervalMs` (`load.ts`) and publishes the
 * samples on the metrics bus — HTTP push to `cfg.collector` by default, Kafka when
 * `cfg.kafkaBrokers` is set (`adapters/select.ts`); a publisher can also be injected. In `burn` mode a worker
 * thread burns CPU so the measured CPU follows the active scenario.
 */

import { randomBytes } from 'node:crypto';
import { HttpMetricsPublisher } from '../adapters/http/metrics-bus-http.ts';
import type { MetricsPublisher } from '../adapters/metrics-bus.ts';
import { openKafkaPublisher } from '../adapters/select.ts';
import type { AppConfig } from '../config/roles.ts';
import { advertisedHost, httpUrl } from '../shared/advertise.ts';
import { listening } from '../shared/listen.ts';
import type { Logger } from '../shared/logger.ts';
import { originPolicy } from '../shared/origin-guard.ts';
import type { RoleHandle } from '../shared/role.ts';
import { upstreamPin } from '../shared/upstream-pin.ts';
import { type Burner, startBurner } from './burner.ts';
import { createCpuMeter } from './cpu-meter.ts';
import { AppLoad } from './load.ts';
import { RecentRequests } from './recent-requests.ts';
import { appRoutes } from './routes.ts';
import type { ScenarioCurve } from './scenario.ts';
import { DEFAULT_UI_DIR } from './ui.ts';

/** Injected parts; each defaults from the config. */
export interface AppDeps {
  /** Defaults to HTTP push to `cfg.collector`. */
  publisher?: MetricsPublisher;
  /** Built page directory; defaults to `<repo>/app-ui/dist`. */
  uiDir?: string;
  /** Scenario curve (tests use faster ones). */
  curve?: ScenarioCurve;
  now?: () => number;
  rand?: () => number;
}

/** The app server's handle, with its load model for in-process tests. */
export interface AppHandle extends RoleHandle {
  load: AppLoad;
  /** The page key (also injected into index.html). */
  uiKey: string;
}

/** Starts the app server on `cfg.host:cfg.port` (0 = ephemeral). */
export async function startApp(cfg: AppConfig, log: Logger, deps: AppDeps = {}): Promise<AppHandle> {
  const publisher =
    deps.publisher ??
    (await openKafkaPublisher({ kafkaBrokers: cfg.kafkaBrokers, id: cfg.id, logger: log })) ??
    new HttpMetricsPublisher({ collector: cfg.collector, token: cfg.token, logger: log });
  const burner: Burner | null = cfg.scenarioMode === 'burn' ? startBurner() : null;
  const load = new AppLoad({
    id: cfg.id,
    zone: cfg.zone,
    scenarioMode: cfg.scenarioMode,
    publisher,
    cpuMeter: createCpuMeter(),
    memoryMb: () => process.memoryUsage().rss / (1024 * 1024),
    now: deps.now ?? Date.now,
    rand: deps.rand ?? Math.random,
    burner,
    curve: deps.curve,
  });
  const uiKey = randomBytes(18).toString('base64url');
  let pin = '';
  const app = appRoutes({
    id: cfg.id,
    zone: cfg.zone,
    token: cfg.token,
    uiKey,
    scenarioMode: cfg.scenarioMode,
    load,
    uiDir: deps.uiDir ?? DEFAULT_UI_DIR,
    pin: () => pin,
    origins: originPolicy([], cfg.allowedHosts),
    logger: log,
    recent: new RecentRequests(),
  });

  let server: ReturnType<typeof Bun.serve>;
  try {
    server = listening(cfg, () =>
      Bun.serve({ hostname: cfg.host, port: cfg.port, fetch: app.fetch, idleTimeout: 0 }),
    );
  } catch (err) {
    burner?.stop();
    await publisher.close();
    throw err;
  }
  const url = `http://${cfg.host}:${server.port}`;
  // The URL the leader registers (and balancers use) for this server: its advertised host and port.
  pin = upstreamPin(httpUrl(advertisedHost(cfg.host, cfg.advertiseAddress), server.port as number));
  // The first sample comes one interval after start: a tick right now would report start-up CPU.
  const timer = setInterval(() => load.tick(), cfg.sampleIntervalMs);
  log.info(
    { url, collector: cfg.collector, scenarioMode: cfg.scenarioMode, sampleIntervalMs: cfg.sampleIntervalMs },
    'app server listening',
  );

  let stopped = false;
  return {
    url,
    load,
    uiKey,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      burner?.stop();
      await server.stop(true);
      await publisher.close();
    },
  };
}
