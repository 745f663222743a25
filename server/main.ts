/**
 * The one entry point: `bun server/main.ts <balancer|app|monitor|collector|gateway|agent> [flags]`. It parses and
 * validates the role's configuration (flags, then `ZONESCALE_*` environment, then defaults; see
 * `config/parse.ts`), starts the role, and stops it cleanly on SIGINT/SIGTERM. `--help` (alone or
 * after a role) prints the roles or the role's flags with defaults and environment names. A user's
 * mistake (bad flag or value, port in use, unknown or missing role) prints one line and exits 2.
 */

import { exitOnMistake } from './config/cli.ts';
import { type CommandInfo, configHelp, parseConfig, wantsHelp } from './config/parse.ts';
import {
  AgentConfig,
  AppConfig,
  BalancerConfig,
  CollectorConfig,
  ENV_ALIASES,
  GatewayConfig,
  MonitorConfig,
} from './config/roles.ts';
import { BadConfig } from './shared/errors.ts';
import { createLogger } from './shared/logger.ts';
import type { RoleHandle } from './shared/role.ts';

/** Every role, its configuration schema and one line on what it does. */
const ROLES = {
  balancer: {
    schema: BalancerConfig,
    summary: "one zone's load balancer: health-checks its app servers and proxies to the alive ones",
  },
  app: {
    schema: AppConfig,
    summary: 'the demo app server: real CPU work, High/Low CPU scenarios, its own UI',
  },
  monitor: {
    schema: MonitorConfig,
    summary: 'a monitor replica: election, autoscaling, self-healing, the dashboard',
  },
  collector: {
    schema: CollectorConfig,
    summary: 'moves samples from the metrics bus into the metrics store',
  },
  gateway: {
    schema: GatewayConfig,
    summary: 'the front door: one address for users, zone affinity, failover along the ring',
  },
  agent: {
    schema: AgentConfig,
    summary:
      "one per host: samples the runtime's app servers from outside (/proc, Docker stats) onto the bus",
  },
} as const;
type Role = keyof typeof ROLES;
const NAMES = Object.keys(ROLES) as Role[];

/** The command line of `role` in messages and help. */
function commandInfo(role: Role): CommandInfo {
  return { name: `bun server/main.ts ${role}`, summary: ROLES[role].summary, aliases: ENV_ALIASES };
}

/** `bun server/main.ts --help`: the roles. */
export function rolesHelp(): string {
  const lines = NAMES.map((r) => `  ${r.padEnd(10)} ${ROLES[r].summary}`);
  return `Usage: bun server/main.ts <role> [--flag value …]\n\nRoles:\n${lines.join('\n')}\n\nbun server/main.ts <role> --help lists the role's flags, defaults and environment variables\n(every flag is also read from ZONESCALE_<FLAG>, e.g. --port → ZONESCALE_PORT). bun run dev starts a whole cluster.\n`;
}

/** Starts `role` with `argv` flags; resolves with its handle. @throws BadConfig */
export async function startRole(role: Role, argv: string[], env = process.env): Promise<RoleHandle> {
  const info = commandInfo(role);
  switch (role) {
    case 'balancer': {
      const cfg = parseConfig(BalancerConfig, argv, env, info);
      const { startBalancer } = await import('./balancer/start.ts');
      return startBalancer(cfg, createLogger({ role, zone: cfg.zone, id: cfg.id || `${cfg.zone}-balancer` }));
    }
    case 'app': {
      const cfg = parseConfig(AppConfig, argv, env, info);
      const { startApp } = await import('./app/start.ts');
      return startApp(cfg, createLogger({ role, zone: cfg.zone, id: cfg.id }));
    }
    case 'monitor': {
      const cfg = parseConfig(MonitorConfig, argv, env, info);
      const { startMonitor } = await import('./monitor/start.ts');
      return startMonitor(cfg, createLogger({ role, id: cfg.id }));
    }
    case 'collector': {
      const cfg = parseConfig(CollectorConfig, argv, env, info);
      const { startCollector } = await import('./collector/start.ts');
      return startCollector(cfg, createLogger({ role }));
    }
    case 'gateway': {
      const cfg = parseConfig(GatewayConfig, argv, env, info);
      const { startGateway } = await import('./gateway/start.ts');
      return startGateway(cfg, createLogger({ role }));
    }
    case 'agent': {
      const cfg = parseConfig(AgentConfig, argv, env, info);
      const { startAgent } = await import('./agent/start.ts');
      return startAgent(cfg, createLogger({ role, id: cfg.id || undefined }));
    }
    default: {
      const never: never = role;
      throw new BadConfig(`unknown role ${String(never)}`);
    }
  }
}

/** The role named by the first argument. @throws BadConfig when it is missing or unknown */
export function roleOf(first: string | undefined): Role {
  if (first && (NAMES as string[]).includes(first)) return first as Role;
  const choose = `the first argument is one of ${NAMES.join(', ')} (bun server/main.ts --help describes them)`;
  if (!first || first.startsWith('-')) throw new BadConfig(`no role given: ${choose}`);
  throw new BadConfig(`unknown role ${JSON.stringify(first)}: ${choose}`);
}

if (import.meta.main) {
  const [first, ...argv] = process.argv.slice(2);
  if (first === '--help' || first === '-h') {
    process.stdout.write(rolesHelp());
    process.exit(0);
  }
  let role: Role = 'balancer';
  try {
    role = roleOf(first);
    if (wantsHelp(argv)) {
      process.stdout.write(configHelp(ROLES[role].schema, commandInfo(role)));
      process.exit(0);
    }
    const handle = await startRole(role, argv);
    let stopping = false;
    const shutdown = async () => {
      if (stopping) return;
      stopping = true;
      await handle.stop().catch(() => {});
      process.exit(0);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  } catch (err) {
    exitOnMistake(first && (NAMES as string[]).includes(first) ? `zonescale ${role}` : 'zonescale', err);
    throw err;
  }
}
