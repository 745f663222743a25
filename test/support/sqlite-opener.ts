/**
 * Child process of `sqlite-first-open.test.ts`: for each trial k it waits until `startAt + k ×
 * gapMs` (epoch ms), then opens the embedded registry and metrics store in `<dir>/<k>/` as a
 * monitor does at start, and prints one JSON line: `{"failed": [messages of the trials that threw]}`.
 * Usage: `bun test/support/sqlite-opener.ts <dir> <trials> <startAt> <gapMs>`.
 */
import { SqliteMetricsStore } from '../../server/adapters/sqlite/metrics-store-sqlite.ts';
import { SqliteRegistry } from '../../server/adapters/sqlite/registry-sqlite.ts';

const [dir, trials, startAt, gapMs] = [process.argv[2], ...process.argv.slice(3).map(Number)] as [
  string,
  number,
  number,
  number,
];
const failed: string[] = [];
for (let k = 0; k < trials; k++) {
  const wait = startAt + k * gapMs - Date.now();
  if (wait > 0) Bun.sleepSync(wait);
  try {
    const registry = new SqliteRegistry(`${dir}/${k}/registry.sqlite`);
    const metrics = new SqliteMetricsStore(`${dir}/${k}/metrics.sqlite`);
    await registry.leader();
    await registry.close();
    await metrics.close();
  } catch (e) {
    failed.push(`trial ${k}: ${String(e)}`);
  }
}
console.log(JSON.stringify({ failed }));
