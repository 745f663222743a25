/**
 * Typed, validated configuration from flags and environment, parsed once at start. Every option has
 * a kebab-case flag (`--check-interval-ms 1000`) and an environment variable named
 * `ZONESCALE_` + the flag in upper snake case (`ZONESCALE_CHECK_INTERVAL_MS`); a flag wins over the
 * environment, which wins over the default. A few well-known variables keep their usual names
 * (`ZONESCALE_TOKEN`, `REDIS_URL`, `KAFKA_BROKERS`, `INFLUX_URL`, `RUNTIME`). A bad value throws
 * `BadConfig` naming the flag, and `main.ts` exits with status 2.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BadConfig } from '../shared/errors.ts';

/** `--check-interval-ms` → `ZONESCALE_CHECK_INTERVAL_MS`. */
export function envName(flag: string): string {
  return `ZONESCALE_${flag.replace(/-/g, '_').toUpperCase()}`;
}

/** `checkIntervalMs` → `check-interval-ms`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}

/**
 * Parses `argv` (the flags after the role) and `env` against a zod object schema whose keys are
 * camelCase option names. Values arrive as strings; use `z.coerce.number()` for numbers and
 * `boolish` for booleans. `aliases` maps option keys to extra environment variable names.
 * @throws BadConfig on an unknown flag or a value the schema refuses.
 */
export function parseConfig<S extends z.ZodObject>(
  schema: S,
  argv: string[],
  env: Record<string, string | undefined>,
  aliases: Partial<Record<keyof z.infer<S> & string, string>> = {},
): z.infer<S> {
  const keys = Object.keys(schema.shape);
  const options = Object.fromEntries(keys.map((k) => [flagName(k), { type: 'string' as const }]));
  // Every option takes a value, so `--flag value` is always `--flag=value`, even when the value
  // itself starts with dashes (`--app-args "--scenario-mode simulate"`), which parseArgs refuses.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : null;
    if (name && name in options && i + 1 < argv.length) args.push(`${a}=${argv[++i]}`);
    else args.push(a);
  }
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string
    >;
  } catch (err) {
    throw new BadConfig(
      `${(err as Error).message}. Known flags: ${Object.keys(options)
        .map((f) => `--${f}`)
        .join(' ')}`,
    );
  }
  const raw: Record<string, string> = {};
  for (const key of keys) {
    const flag = flagName(key);
    const alias = aliases[key as keyof typeof aliases];
    const value = values[flag] ?? env[envName(flag)] ?? (alias ? env[alias] : undefined);
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return `--${flagName(key)} (${envName(flagName(key))}): ${i.message}`;
    });
    throw new BadConfig(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

/** A boolean from `true/false/1/0/yes/no`. */
export const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A positive duration in ms. */
export const ms = () => z.coerce.number().int().positive();

/** A TCP port. */
export const port = () => z.coerce.number().int().min(1).max(65535);

/** A comma-separated list of strings (empty entries dropped). */
export const csv = () =>
  z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
