/**
 * `open-wal.ts`: the switch to WAL is tried again only on `SQLITE_BUSY` and only until the busy
 * timeout, with pauses of 5–25 ms; a real busy error from a second connection is recognised; the
 * opened file is in WAL mode with the busy timeout set.
 */
import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSqliteBusy, openWalDatabase, retryWhileBusy, type WalOpenHooks } from './open-wal.ts';

const dir = mkdtempSync(join(tmpdir(), 'zonescale-open-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A clock that only the pauses move, and the pauses it was asked for. */
function fakeHooks(rand = 0.5): WalOpenHooks & { pauses: number[] } {
  let t = 0;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => t,
    sleep: (ms) => {
      pauses.push(ms);
      t += ms;
    },
    rand: () => rand,
  };
}

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY', errno: 5 });

describe('retryWhileBusy', () => {
  test('a step busy twice, then done, returns its value after two pauses', () => {
    const hooks = fakeHooks();
    let calls = 0;
    const got = retryWhileBusy(
      () => {
        calls += 1;
        if (calls <= 2) throw busy();
        return 'wal';
      },
      5_000,
      hooks,
    );
    expect({ got, calls, pauses: hooks.pauses }).toEqual({ got: 'wal', calls: 3, pauses: [15, 15] });
  });

  test.each([
    [0, 5],
    [0.999, 24],
  ])('with the random source at %p the pause is %p ms', (rand, ms) => {
    const hooks = fakeHooks(rand);
    let calls = 0;
    retryWhileBusy(
      () => {
        calls += 1;
        if (calls === 1) throw busy();
      },
      5_000,
      hooks,
    );
    expect(hooks.pauses).toEqual([ms]);
  });

  test('any other error is thrown at once, without a pause', () => {
    const hooks = fakeHooks();
    const boom = Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' });
    expect(() =>
      retryWhileBusy(
        () => {
          throw boom;
        },
        5_000,
        hooks,
      ),
    ).toThrow(boom);
    expect(hooks.pauses).toEqual([]);
  });

  test('a step busy for good throws SQLITE_BUSY once the timeout has passed', () => {
    const hooks = fakeHooks();
    let calls = 0;
    expect(() =>
      retryWhileBusy(
        () => {
          calls += 1;
          throw busy();
        },
        100,
        hooks,
      ),
    ).toThrow('database is locked');
    // 15 ms a pause: tries at 0, 15, …, 105 ms; the one at 105 is past the 100 ms deadline.
    expect({ calls, waited: hooks.pauses.reduce((a, b) => a + b, 0) }).toEqual({ calls: 8, waited: 105 });
  });
});

describe('isSqliteBusy', () => {
  test('is true for the error a second connection gets while the first holds the write lock', () => {
    const path = join(dir, 'locked.sqlite');
    const a = new Database(path, { create: true });
    const b = new Database(path);
    b.run('PRAGMA busy_timeout = 0');
    a.run('BEGIN IMMEDIATE');
    a.run('CREATE TABLE t (x)');
    let err: unknown;
    try {
      b.run('PRAGMA journal_mode = WAL');
    } catch (e) {
      err = e;
    }
    a.run('ROLLBACK');
    a.close();
    b.close();
    expect(isSqliteBusy(err)).toBe(true);
  });

  test.each([
    ['an error with another code', Object.assign(new Error('x'), { code: 'SQLITE_CORRUPT' })],
    ['a plain error', new Error('database is locked')],
    ['a string', 'SQLITE_BUSY'],
    ['null', null],
  ])('is false for %s', (_name, e) => {
    expect(isSqliteBusy(e)).toBe(false);
  });
});

describe('openWalDatabase', () => {
  test('creates the file and its parent directories, in WAL mode with the busy timeout set', () => {
    const db = openWalDatabase(join(dir, 'a', 'b', 'store.sqlite'), 1_234);
    try {
      const mode = db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode;
      const timeout = db.query<{ timeout: number }, []>('PRAGMA busy_timeout').get()?.timeout;
      expect({ mode, timeout }).toEqual({ mode: 'wal', timeout: 1_234 });
    } finally {
      db.close();
    }
  });
});
