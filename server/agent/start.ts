/**
 * Starts the agent role (`bun server/main.ts agent`), one per host, as cAdvisor and Telegraf sample
 * a host's containers: every `intervalMs` it lists the app servers the runtime holds (`runtime`:
 * the process runtime's records under `<dataDir>/<cluster>/containers/`, which any process on the
 * host can read, or Docker's labelled containers), reads each one from outside (`/proc` process
 * trees or the engine's stats) and publishes `source: 'agent'` samples on the metrics bus — HTTP
 * push to `cfg.collector` by default, Kafka when `cfg.kafkaBrokers` is set. A tick that is still
 * running when the next is due makes that one skip. Runtime, reader and publisher can be injected.
 */
import { hostname } from 'node:os';
import type { DockerRuntime } from '../adapters/docker/runtime-docker.ts';
import { HttpMetricsPublisher } from '../adapters/http/metrics-bus-http.ts';
import type { MetricsPublisher } from '../adapters/metrics-bus.ts';
import type { ContainerRuntime } from '../adapters/runtime.ts';
import { openKafkaPublisher, openRuntime } from '../adapters/select.ts';
import type { AgentConfig } from '../config/roles.ts';
import { listening } from '../shared/listen.ts';
import type { Logger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import { HostAgent } from './agent.ts';
import { DockerReader } from './docker-reader.ts';
import { ProcReader } from './proc-reader.ts';
import type { UsageReader } from './reader.ts';
import { agentRoutes } from './routes.ts';

/** Injected parts; each defaults from the config. */
export interface AgentDeps {
  runtime?: Pick<ContainerRuntime, 'list'>;
  reader?: UsageReader;
  publisher?: MetricsPublisher;
  now?: () => number;
}

/** The agent's handle, with its loop for in-process tests. */
export interface AgentHandle extends RoleHandle {
  agent: HostAgent;
}

/** The reader that fits `runtime`: Docker stats for the Docker runtime, `/proc` otherwise. */
function readerFor(cfg: AgentConfig, runtime: Pick<ContainerRuntime, 'list'>, log: Logger): UsageReader {
  if (cfg.runtime === 'docker') return new DockerReader((runtime as DockerRuntime).docker, log);
  return new ProcReader();
}

/** Starts the agent on `cfg.host:cfg.port` (0 = ephemeral). @throws PortInUse / BadConfig as `listening` does */
export async function startAgent(cfg: AgentConfig, log: Logger, deps: AgentDeps = {}): Promise<AgentHandle> {
  const id = cfg.id || `agent-${hostname()}`;
  const runtime = deps.runtime ?? openRuntime(cfg);
  const reader = deps.reader ?? readerFor(cfg, runtime, log);
  const kafka = deps.publisher
    ? null
    : await openKafkaPublisher({ kafkaBrokers: cfg.kafkaBrokers, id, logger: log });
  const publisher =
    deps.publisher ??
    kafka ??
    new HttpMetricsPublisher({ collector: cfg.collector, token: cfg.token, logger: log });
  const agent = new HostAgent({ runtime, reader, publisher, now: deps.now, logger: log });
  const app = agentRoutes({
    stats: agent.stats,
    runtime: cfg.runtime,
    reader: reader.kind,
    bus: kafka ? 'kafka' : deps.publisher ? 'custom' : 'http',
    intervalMs: cfg.intervalMs,
    pending: () => publisher.pending(),
    logger: log,
  });
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = listening(cfg, () => Bun.serve({ hostname: cfg.host, port: cfg.port, fetch: app.fetch }));
  } catch (err) {
    await publisher.close();
    throw err;
  }
  const url = `http://${cfg.host}:${server.port}`;

  let ticking: Promise<unknown> | null = null;
  const tick = () => {
    if (ticking) return; // the last tick is still reading: skip this one
    ticking = agent.tick().finally(() => {
      ticking = null;
    });
  };
  tick(); // the first readings (no sample yet), so the first samples come one interval after start
  const timer = setInterval(tick, cfg.intervalMs);
  log.info(
    {
      url,
      id,
      runtime: cfg.runtime,
      reader: reader.kind,
      intervalMs: cfg.intervalMs,
      bus: kafka ? 'kafka' : 'http',
    },
    'agent sampling',
  );

  let stopped = false;
  return {
    url,
    agent,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await ticking;
      await server.stop(true);
      await publisher.close();
    },
  };
}
