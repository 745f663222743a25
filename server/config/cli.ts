/**
 * The one error path of every entry point (`server/main.ts <role>`, `server/dev.ts`): a user's
 * mistake — a bad or unknown flag, a missing value, a port in use, an unknown role — is a
 * `BadConfig` whose message is one line naming the flag or port and the fix; it is printed as
 * `<command>: <message>` on stderr and the process exits with status 2, without a stack trace.
 * Anything else is a bug or an outage and keeps its stack trace.
 */
import { BadConfig } from '../shared/errors.ts';
import { PortInUse } from '../shared/listen.ts';

/** Exit status of a user's mistake (as `getopt` tools use it). */
export const USAGE_EXIT = 2;

/** `err` as a user's mistake (BadConfig, or a listen refusal that escaped `listening()`), else null. */
export function userMistake(err: unknown): BadConfig | null {
  if (err instanceof BadConfig) return err;
  const e = err as { code?: unknown; port?: unknown } | null;
  if (e?.code === 'EADDRINUSE') return new PortInUse('127.0.0.1', Number(e.port) || 0);
  return null;
}

/** Prints `<command>: <one line>` on stderr and exits 2 when `err` is a user's mistake; returns otherwise. */
export function exitOnMistake(command: string, err: unknown): void {
  const mistake = userMistake(err);
  if (!mistake) return;
  process.stderr.write(`${command}: ${mistake.message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(USAGE_EXIT);
}
