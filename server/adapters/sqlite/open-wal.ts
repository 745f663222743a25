/**
 * Opens a SQLite file that several processes share (the embedded registry and metrics store) in
 * WAL mode with a busy timeout. The one step a busy timeout does not cover is the switch to WAL
 * of a fresh file: `PRAGMA journal_mode = WAL` takes a shared lock and then needs an exclusive
 * one, and when another connection does the same at once SQLite answers `SQLITE_BUSY` at once,
 * without calling the busy handler, because waiting could deadlock (sqlite.org/c3ref/busy_handler,
 * "the presence of a busy handler does not guarantee that it will be invoked"). SQLite's advice
 * is to try again, so this step alone is tried again, after a short random pause, until the busy
 * timeout has passed. Seen as three monitors and a collector starting on a fresh data directory:
 * one of them died with "database is locked".
 */
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** What `openWalDatabase` may be given instead of the real clock and pause (tests). */
export interface WalOpenHooks {
  /** Monotonic ms. */
  now(): number;
  /** Blocks for `ms`. */
  sleep(ms: number): void;
  /** A number in [0, 1). */
  rand(): number;
}

const REAL_HOOKS: WalOpenHooks = {
  now: () => performance.now(),
  sleep: (ms) => Bun.sleepSync(ms),
  rand: Math.random,
};

/** True for bun:sqlite's error for a lock another connection holds (`SQLITE_BUSY`, errno 5). */
export function isSqliteBusy(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'SQLITE_BUSY';
}

/**
 * Runs `step`, and again after a pause of 5–25 ms while it throws `SQLITE_BUSY`, until
 * `timeoutMs` has passed since the first try. @returns what `step` returned. @throws the last
 * `SQLITE_BUSY` once the time is up, and any other error at once.
 */
export function retryWhileBusy<T>(step: () => T, timeoutMs: number, hooks: WalOpenHooks = REAL_HOOKS): T {
  const deadline = hooks.now() + timeoutMs;
  for (;;) {
    try {
      return step();
    } catch (e) {
      if (!isSqliteBusy(e) || hooks.now() >= deadline) throw e;
      hooks.sleep(5 + Math.floor(hooks.rand() * 20));
    }
  }
}

/**
 * Opens (creating it and its parent directories if needed) the database at `path`, or `:memory:`,
 * with `PRAGMA busy_timeout = busyTimeoutMs` (ms), WAL journal and `synchronous = NORMAL`.
 * @throws bun:sqlite's `SQLiteError` on an unreadable file, or `SQLITE_BUSY` when the switch to
 * WAL still finds the file locked after `busyTimeoutMs`.
 */
export function openWalDatabase(path: string, busyTimeoutMs: number): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, strict: true });
  try {
    db.run(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    retryWhileBusy(() => db.run('PRAGMA journal_mode = WAL'), busyTimeoutMs);
    db.run('PRAGMA synchronous = NORMAL');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
