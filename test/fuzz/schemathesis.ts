/**
 * Runs one Schemathesis pass (`st run`) against one role's `/openapi.json` and reads its JUnit
 * report: one test per API operation, failed when any check failed or the operation errored. The
 * checks are the ones the fuzz suite promises: no 5xx, status codes, content types, headers and
 * bodies as documented, invalid input refused with a 4xx, required headers enforced, and no 2xx for
 * a call that declares the cluster token but came without it (`ignored_auth`). Left out, on
 * purpose: `unsupported_method` (Hono answers an undeclared method with 404, not 405),
 * `positive_data_acceptance` (schema-valid input legitimately gets 404, 409 or 421: unknown
 * server, older term, not the leader), and the stateful and multi-identity checks (no links, one
 * identity). A pass that runs past `timeoutMs` is killed and counts as failed.
 */
import { join } from 'node:path';

/** Checks every pass runs (Schemathesis names). */
export const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'missing_required_header',
  'ignored_auth',
] as const;

/** One pass: which role, with or without the token, and its per-operation results. */
export interface FuzzPass {
  label: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Operations that failed or errored. */
  failedOperations: string[];
  /** Schemathesis' own closing lines ("Test cases: …", its warnings, "Seed: …", "=== … in 3.2s ==="). */
  summary: string[];
  /** Full console output (printed when the pass failed). */
  output: string;
}

/** Options of one pass. Times in ms. */
export interface PassOptions {
  st: string;
  label: string;
  /** Base URL of the role; the schema is `<url>/openapi.json`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when given. */
  token?: string;
  maxExamples: number;
  /** Operations not to call, as `st --exclude-path` values. */
  excludePaths?: string[];
  /** Where the JUnit report goes and the pass runs (Hypothesis writes nothing elsewhere). */
  workDir: string;
  /** Extra environment (the hooks' settings). */
  env?: Record<string, string>;
  timeoutMs: number;
  seed?: string;
}

/** Results per operation from a Schemathesis JUnit report. */
export function readJunit(xml: string): { passed: number; failed: string[]; skipped: number } {
  let passed = 0;
  let skipped = 0;
  const failed: string[] = [];
  for (const m of xml.matchAll(/<testcase\b[^>]*\bname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[3] ?? '';
    if (/<(failure|error)\b/.test(body)) failed.push(m[1]!.replace(/&amp;/g, '&'));
    else if (/<skipped\b/.test(body)) skipped += 1;
    else passed += 1;
  }
  return { passed, failed, skipped };
}

/**
 * The closing lines of Schemathesis' console output worth quoting in a CI log: the test-case count,
 * its warnings and the seed. Its pytest-style closing rule (`=== No issues found in 4.97s ===`,
 * `=== 1 warning in 3.05s ===`) is left out: a CI log reader that parses pytest summaries took the
 * last such rule for the whole run's result and saw a run without tests.
 */
export function summaryLines(output: string): string[] {
  const lines = output.split('\n').map((l) => l.trimEnd());
  const i = lines.findIndex((l) => l.trim() === 'Test cases:');
  const picked = i >= 0 ? [lines[i + 1]?.trim() ?? ''] : [];
  return [
    ...picked.map((l) => `test cases: ${l}`),
    ...lines.filter((l) => /^\s*⚠️ /.test(l) || /^Seed: /.test(l)).map((l) => l.trim()),
  ];
}

/** Runs one pass; never throws for a failing API (that is a failed pass), only for a missing `st`. */
export async function runPass(o: PassOptions): Promise<FuzzPass> {
  const junit = join(o.workDir, `${o.label.replace(/[^a-z0-9]+/gi, '-')}.xml`);
  const args = [
    o.st,
    `--config-file=${join(import.meta.dir, 'schemathesis.toml')}`,
    'run',
    `${o.url}/openapi.json`,
    `--checks=${CHECKS.join(',')}`,
    `--max-examples=${o.maxExamples}`,
    '--phases=examples,coverage,fuzzing',
    '--request-timeout=10',
    '--wait-for-schema=15',
    '--generation-database=none',
    '--no-color',
    '--continue-on-failure',
    '--report=junit',
    `--report-junit-path=${junit}`,
    ...(o.seed ? [`--seed=${o.seed}`] : []),
    ...(o.token ? ['-H', `Authorization: Bearer ${o.token}`] : []),
    ...(o.excludePaths ?? []).map((p) => `--exclude-path=${p}`),
  ];
  const proc = Bun.spawn(args, {
    cwd: o.workDir,
    env: { ...process.env, ...o.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), o.timeoutMs);
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  const code = await proc.exited;
  clearTimeout(timer);
  const output = `${stdout}${stderr}`;
  const report = Bun.file(junit);
  const r = (await report.exists()) ? readJunit(await report.text()) : { passed: 0, failed: [], skipped: 0 };
  // A pass that exits non-zero without a failed operation (crash, timeout, no report) still fails.
  if (code !== 0 && r.failed.length === 0) r.failed.push(`(schemathesis exited with ${code ?? 'a signal'})`);
  return {
    label: o.label,
    passed: r.passed,
    failed: r.failed.length,
    skipped: r.skipped,
    failedOperations: r.failed,
    summary: summaryLines(output),
    output,
  };
}
