/**
 * Typed, validated configuration from flags and environment, parsed once at start. Every option has
 * a kebab-case flag (`--check-interval-ms 1000`) and an environment variable named
 * `ZONESCALE_` + the flag in upper snake case (`ZONESCALE_CHECK_INTERVAL_MS`); a flag wins over the
 * environment, which wins over the default. A few well-known variables keep their usual names
 * (`ZONESCALE_TOKEN`, `REDIS_URL`, `KAFKA_BROKERS`, `INFLUX_URL`, `RUNTIME`). The flags are read by
 * commander, built from the zod schema's keys, descriptions and defaults, so `--help` and the
 * validation come from the same schema. A mistake throws `BadConfig` with one line naming the flag
 * and what to do; the entry points print it and exit with status 2 (`server/config/cli.ts`).
 */
import { Command, CommanderError, Option } from 'commander';
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

/** A boolean from `true/false/1/0/yes/no`; as a flag, given alone (`--simulate`) it means true. */
export const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A positive duration in ms. */
export const ms = () => z.coerce.number().int().positive();

/** A TCP port. */
export const port = () => z.coerce.number().int().min(1).max(65535);

/** Schemas of options that may be given more than once (`repeatable()`). */
const REPEATABLE = new WeakSet<z.ZodType>();

/**
 * An option that may be given more than once (`--service-env A=1 --service-env B=2`): the flags
 * arrive as a list in order; its environment variable holds one entry a line. `item` checks each.
 */
export function repeatable(item: z.ZodString) {
  const schema = z
    .union([z.array(item), z.string().transform((s) => s.split('\n').filter(Boolean))])
    .pipe(z.array(item));
  REPEATABLE.add(schema);
  return schema;
}

/** A comma-separated list of strings (empty entries dropped). */
export const csv = () =>
  z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** Extra environment names per option key (the well-known ones, e.g. `redisUrl: 'REDIS_URL'`). */
export type EnvAliases = Readonly<Record<string, string>>;

/** What `parseConfig` and `configHelp` know of a command: its name in messages and its usage line. */
export interface CommandInfo {
  /** e.g. `bun server/main.ts balancer` or `bun run dev`. */
  name: string;
  /** One sentence on what the command does. */
  summary?: string;
  aliases?: EnvAliases;
}

/** The environment names of option `key`: `ZONESCALE_…`, then its alias if any. */
export function envNames(key: string, aliases: EnvAliases = {}): string[] {
  const own = envName(flagName(key));
  const alias = aliases[key];
  return alias && alias !== own ? [own, alias] : [own];
}

/** `schema` without its `.default()` / `.prefault()` wrapper, and the default (undefined = required or optional). */
function unwrap(schema: z.ZodType): { inner: z.ZodType; fallback: unknown; required: boolean } {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault)
    return { inner: schema.def.innerType as z.ZodType, fallback: schema.def.defaultValue, required: false };
  if (schema instanceof z.ZodOptional)
    return { inner: schema.def.innerType as z.ZodType, fallback: undefined, required: false };
  return { inner: schema, fallback: undefined, required: true };
}

const shown = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));

/** The commander command for `schema`: one option a key, its help line from the schema. */
function commandOf(schema: z.ZodObject, info: CommandInfo): Command {
  const cmd = new Command(info.name)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} })
    .allowExcessArguments(false)
    .helpOption(false)
    .usage('[--flag value …]');
  if (info.summary) cmd.description(info.summary);
  for (const [key, field] of Object.entries(schema.shape)) {
    const { inner, fallback, required } = unwrap(field as z.ZodType);
    const flag = `--${flagName(key)}`;
    const isBool = inner === boolish;
    const extra = [
      required
        ? 'required'
        : fallback === undefined || shown(fallback) === ''
          ? ''
          : `default: ${shown(fallback)}`,
      `env: ${envNames(key, info.aliases).join(' or ')}`,
    ].filter(Boolean);
    const text = `${(field as z.ZodType).description ?? ''} (${extra.join('; ')})`.trim();
    const option = new Option(isBool ? `${flag} [bool]` : `${flag} <value>`, text);
    if (REPEATABLE.has(inner))
      option.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    cmd.addOption(isBool ? option.preset('true') : option);
  }
  return cmd;
}

/** The `--help` text of a command over `schema`: usage, summary, every flag with default and environment names. */
export function configHelp(schema: z.ZodObject, info: CommandInfo): string {
  const cmd = commandOf(schema, info);
  cmd.addOption(new Option('-h, --help', 'print this help and exit'));
  return `${cmd.helpInformation()}\nA flag wins over its environment variable, which wins over the default.\n`;
}

/** Whether `argv` asks for help (`--help` or `-h` anywhere). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** commander's error as one line naming the flag and the fix. */
function flagError(err: CommanderError, info: CommandInfo): BadConfig {
  const help = `${info.name} --help lists the flags`;
  const msg = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  const flag = /'(-[^' ]+)/.exec(msg)?.[1];
  switch (err.code) {
    case 'commander.unknownOption': {
      const hint = /Did you mean (--?[\w-]+)\?/.exec(msg)?.[1];
      return new BadConfig(`unknown flag ${flag}${hint ? ` (did you mean ${hint}?)` : ''}; ${help}`);
    }
    case 'commander.optionMissingArgument':
      return new BadConfig(`${flag} needs a value (${flag} <value>); ${help}`);
    case 'commander.excessArguments':
      return new BadConfig(
        `unexpected argument ${JSON.stringify(/got \d+: (.*?)\.?$/.exec(msg)?.[1] ?? msg)}: every option is --flag value; ${help}`,
      );
    default:
      return new BadConfig(`${msg}; ${help}`);
  }
}

/** One schema issue as text naming the flag, its environment names and the value given. */
function issueText(
  issue: z.core.$ZodIssue,
  raw: Record<string, string | string[]>,
  schema: z.ZodObject,
  info: CommandInfo,
): string {
  const key = issue.path[0];
  if (typeof key !== 'string') return issue.message;
  const flag = `--${flagName(key)}`;
  const envs = envNames(key, info.aliases).join(' or ');
  const what = (schema.shape[key] as z.ZodType | undefined)?.description?.replace(/\.$/, '');
  if (raw[key] === undefined && issue.code === 'invalid_type')
    return `missing ${flag} (or ${envs})${what ? `: ${what}` : ''}`;
  const value = raw[key];
  const entry = Array.isArray(value) && typeof issue.path[1] === 'number' ? value[issue.path[1]] : value;
  const given = entry === undefined ? '' : ` ${JSON.stringify(entry)}`;
  const message = issue.message
    .replace(/^Invalid input: /, '')
    .replace(/expected (\w+), received NaN/, 'expected a $1');
  return `bad ${flag}${given} (or ${envs}): ${message}`;
}

/**
 * Parses `argv` (the flags after the role) and `env` against a zod object schema whose keys are
 * camelCase option names. Values arrive as strings; use `z.coerce.number()` for numbers and
 * `boolish` for booleans. Every problem found goes into the one line of the error.
 * @throws BadConfig on an unknown flag, a flag without a value, a stray argument, or a value the schema refuses.
 */
export function parseConfig<S extends z.ZodObject>(
  schema: S,
  argv: string[],
  env: Record<string, string | undefined>,
  command: CommandInfo = { name: 'zonescale' },
): z.infer<S> {
  const cmd = commandOf(schema, command);
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw flagError(err, command);
    throw err;
  }
  const values = cmd.opts<Record<string, string | string[] | undefined>>();
  const raw: Record<string, string | string[]> = {};
  for (const key of Object.keys(schema.shape)) {
    const fromEnv = envNames(key, command.aliases)
      .map((n) => env[n])
      .find((v) => v !== undefined && v !== '');
    const value = values[key] ?? fromEnv;
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new BadConfig(
      `${parsed.error.issues.map((i) => issueText(i, raw, schema, command)).join('; ')}; ${command.name} --help lists the flags`,
    );
  return parsed.data;
}
