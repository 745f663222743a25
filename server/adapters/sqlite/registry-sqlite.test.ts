/**
 * The SQLite registry: the shared contract on a temporary file, then what only a shared file can
 * show — two handles on one file (as two monitor processes hold it) see each other's writes, the
 * compare-and-set is exclusive across handles and across real processes, fencing holds across
 * handles, and the data survives close and reopen.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaleTerm } from '../../shared/errors.ts';
import { event, leaderAt, record, registryContract } from '../registry.contract.ts';
import { SqliteRegistry } from './registry-sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'zonescale-registry-'));
let n = 0;
const freshPath = () => join(dir, `r${++n}`, 'registry.sqlite');
const opened: SqliteRegistry[] = [];
const open = (path: string) => {
  const r = new SqliteRegistry(path);
  opened.push(r);
  return r;
};

afterAll(async () => {
  for (const r of opened) await r.close();
  rmSync(dir, { recursive: true, force: true });
});

registryContract('sqlite', () => new SqliteRegistry(freshPath()));

describe('SqliteRegistry on a shared file', () => {
  test('the file runs in WAL mode', async () => {
    const path = freshPath();
    open(path);
    const { Database } = await import('bun:sqlite');
    const db = new Database(path, { readonly: true });
    try {
      expect(db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    } finally {
      db.close();
    }
  });

  test('two handles on one file see each other’s writes', async () => {
    const path = freshPath();
    const a = open(path);
    const b = open(path);
    await a.claimLeadership(0, leaderAt(3, 1));
    await a.putContainer(record('zone1-app-1', 'zone1', 1), 1);
    await a.appendEvent(event('e1', 1), 1);
    expect(await b.leader()).toEqual(leaderAt(3, 1));
    expect(await b.container('zone1-app-1')).toEqual(record('zone1-app-1', 'zone1', 1));
    expect((await b.events(5)).map((e) => e.id)).toEqual(['e1']);
  });

  test('the compare-and-set is exclusive across two handles claiming with the same expected term', async () => {
    const path = freshPath();
    const a = open(path);
    const b = open(path);
    const results = await Promise.all([
      a.claimLeadership(0, leaderAt(1, 1)),
      b.claimLeadership(0, leaderAt(2, 1)),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.leader()).toEqual(await b.leader());
    expect((await b.leader())?.id).toBe(results[0] ? 1 : 2);
  });

  test('a write fenced by one handle’s newer claim is refused on the other handle', async () => {
    const path = freshPath();
    const oldLeader = open(path);
    const newLeader = open(path);
    await oldLeader.claimLeadership(0, leaderAt(1, 1));
    await oldLeader.putContainer(record('a', 'zone1', 1), 1);
    expect(await newLeader.claimLeadership(1, leaderAt(2, 2))).toBe(true);
    await expect(oldLeader.removeContainer('a', 1)).rejects.toBeInstanceOf(StaleTerm);
    expect(await newLeader.container('a')).not.toBeNull();
  });

  test('containers, leader and events survive close and reopen', async () => {
    const path = freshPath();
    const first = new SqliteRegistry(path);
    await first.claimLeadership(0, leaderAt(2, 7));
    await first.putContainer(record('zone2-app-1', 'zone2', 5), 7);
    await first.appendEvent(event('e1', 5, 7), 7);
    await first.close();
    await first.close();
    const again = open(path);
    expect(await again.leader()).toEqual(leaderAt(2, 7));
    expect(await again.containers('zone2')).toEqual([record('zone2-app-1', 'zone2', 5)]);
    expect(await again.events(10)).toEqual([event('e1', 5, 7)]);
  });

  test('a file made before leases existed gains the lease column and keeps its leader', async () => {
    const path = freshPath();
    const { mkdirSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    const { Database } = await import('bun:sqlite');
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { create: true });
    db.run(
      'CREATE TABLE leader (one INTEGER PRIMARY KEY, id INTEGER, url TEXT, term INTEGER, since INTEGER)',
    );
    db.run("INSERT INTO leader VALUES (1, 2, 'http://127.0.0.1:7002', 4, 4000)");
    db.close();
    const r = open(path);
    expect(await r.leader()).toEqual(leaderAt(2, 4));
    expect(await r.renewLease(4, 9_000)).toBe(true);
    expect((await r.leader())?.leaseUntil).toBe(9_000);
  });

  test('four processes racing to claim the first term: exactly one wins', async () => {
    const path = freshPath();
    open(path); // creates the schema up front
    const modulePath = join(import.meta.dir, 'registry-sqlite.ts');
    const script = (id: number) => `
      const { SqliteRegistry } = await import(${JSON.stringify(modulePath)});
      const r = new SqliteRegistry(${JSON.stringify(path)});
      while (Date.now() < Number(process.env.GO_AT)) {}
      const won = await r.claimLeadership(0, { id: ${id}, url: 'http://127.0.0.1:1', term: 1, since: 1 });
      await r.close();
      console.log(won ? 'won' : 'lost');`;
    const goAt = String(Date.now() + 1_500);
    const procs = [1, 2, 3, 4].map((id) =>
      Bun.spawn([process.execPath, '-e', script(id)], {
        env: { ...process.env, GO_AT: goAt },
        stdout: 'pipe',
        stderr: 'inherit',
      }),
    );
    try {
      const outs = await Promise.all(procs.map(async (p) => (await new Response(p.stdout).text()).trim()));
      expect(outs.filter((o) => o === 'won')).toHaveLength(1);
      expect(outs.filter((o) => o === 'lost')).toHaveLength(3);
      const winner = outs.indexOf('won') + 1;
      expect((await open(path).leader())?.id).toBe(winner);
    } finally {
      for (const p of procs) p.kill();
    }
  });
});
