/**
 * The embedded stores' files opened for the first time by several processes at once, as three
 * monitors and a collector do on a fresh data directory: every process opens both files, none
 * throws "database is locked" (before `open-wal.ts`, 11 of 25 such starts of 4 processes lost one).
 */
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'zonescale-sqlite-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROCESSES = 4;
const TRIALS = 12;
const GAP_MS = 80;

test(`${PROCESSES} processes opening fresh registry and metrics files at the same moment all succeed, ${TRIALS} times over`, async () => {
  const startAt = Date.now() + 1_500; // time for every child to start before the first trial
  const script = join(import.meta.dir, '../support/sqlite-opener.ts');
  const children = Array.from({ length: PROCESSES }, () =>
    Bun.spawn(['bun', script, dir, String(TRIALS), String(startAt), String(GAP_MS)], {
      stdout: 'pipe',
      stderr: 'pipe',
    }),
  );
  try {
    const reports = await Promise.all(
      children.map(async (c) => {
        const [out, err, code] = await Promise.all([
          new Response(c.stdout).text(),
          new Response(c.stderr).text(),
          c.exited,
        ]);
        expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
        return JSON.parse(out.trim()) as { failed: string[] };
      }),
    );
    expect(reports.flatMap((r) => r.failed)).toEqual([]);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }
}, 30_000);
