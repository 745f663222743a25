/**
 * The one entry point: `bun server/main.ts <balancer|app|monitor|collector|gateway> [flags]`. It parses and
 * validates the role's configuration (flags, then `ZONESCALE_*` environment, then defaults; see
 * `config/parse.ts`), starts the role, and stops it cleanly on SIGINT/SIGTERM. A bad configuration
 * prints what is wrong and exits with status 2.
 */

import { parseConfig } from './config/parse.ts';
import {
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

const ROLES = ['balancer', 'app', 'monitor', 'collector', 'gateway'] as const;
type Role = (typeof ROLES)[number];

const USAGE = `usage: bun server/main.ts <${ROLES.join('|')}> [--flag value …]
Every flag is also read from ZONESCALE_<FLAG> (e.g. --port → ZONESCALE_PORT); see README.md.`;

/** Starts `role` with `argv` flags; resolves with its handle. @throws BadConfig */
export async function startRole(role: Role, argv: string[], env = process.env): Promise<RoleHandle> {
  switch (role) {
    case 'balancer': {
      const cfg = parseConfig(BalancerConfig, argv, env, ENV_ALIASES);
      const { startBalancer } = await import('./balancer/start.ts');
      return startBalancer(cfg, createLogger({ role, zone: cfg.zone, id: cfg.id || `${cfg.zone}-balancer` }));
    }
    case 'app': {
      const cfg = parseConfig(AppConfig, argv, env, ENV_ALIASES);
      const { startApp } = await import('./app/start.ts');
      return startApp(cfg, createLogger({ role, zone: cfg.zone, id: cfg.id }));
    }
    case 'monitor': {
      const cfg = parseConfig(MonitorConfig, argv, env, ENV_ALIASES);
      const { startMonitor } = await import('./monitor/start.ts');
      return startMonitor(cfg, createLogger({ role, id: cfg.id }));
    }
    case 'collector': {
      const cfg = parseConfig(CollectorConfig, argv, env, ENV_ALIASES);
      const { startCollector } = await import('./collector/start.ts');
      return startCollector(cfg, createLogger({ role }));
    }
    case 'gateway': {
      const cfg = parseConfig(GatewayConfig, argv, env, ENV_ALIASES);
      const { startGateway } = await import('./gateway/start.ts');
      return startGateway(cfg, createLogger({ role }));
    }
    default: {
      const never: never = role;
      throw new BadConfig(`unknown role ${String(never)}`);
    }
  }
}

if (import.meta.main) {
  const [role, ...argv] = process.argv.slice(2);
  if (!role || !(ROLES as readonly string[]).includes(role)) {
    console.error(USAGE);
    process.exit(2);
  }
  try {
    const handle = await startRole(role as Role, argv);
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
    if (err instanceof BadConfig) {
      console.error(`zonescale ${role}: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}
