/**
 * Structured JSON logs (pino), one line per event, with the role and its id bound on every line.
 * `LOG_LEVEL` sets the level (default `info`; tests use `warn` to keep output short).
 */
import pino from 'pino';

/** A pino logger; `bindings` (e.g. `{ role: 'balancer', zone: 'zone1' }`) appear on every line. */
export type Logger = pino.Logger;

/** Creates the process logger. Writes JSON lines to stdout. */
export function createLogger(bindings: Record<string, unknown>): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? 'info',
    base: bindings,
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that discards everything, for unit tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
