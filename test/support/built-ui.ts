/**
 * The built pages (`app-ui/dist`, `dashboard/dist`) for suites that fetch them from a real server.
 * `bash scripts/test.sh` and `bun run dev` build them first; a plain `bun test` on a fresh clone
 * has not, so `ensureUiBuilt()` runs `bun run build:ui` once when either page is missing.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dir, '../..');
const PAGES = ['app-ui/dist/index.html', 'dashboard/dist/index.html'];

/** How long a build may take, ms (a cold Vite build of both pages takes ~10 s on 2 cores). */
export const BUILD_UI_TIMEOUT_MS = 120_000;

/**
 * Builds both pages unless both are there. Throws with the build's output when it fails, so a
 * suite that needs the page reports why rather than failing on the "not built" note.
 */
export function ensureUiBuilt(): void {
  if (PAGES.every((p) => existsSync(resolve(ROOT, p)))) return;
  const r = Bun.spawnSync(['bun', 'run', 'build:ui'], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: BUILD_UI_TIMEOUT_MS,
  });
  if (r.exitCode !== 0) {
    const out = `${r.stdout.toString()}${r.stderr.toString()}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`bun run build:ui failed (exit ${r.exitCode}):\n${out}`);
  }
}
