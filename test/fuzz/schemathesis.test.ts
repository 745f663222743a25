/**
 * What the fuzz suite quotes of Schemathesis' console output in the CI log: the test-case count,
 * warnings and seed, never its pytest-style closing rule (a CI reader took that rule for the run's
 * own result and saw a run without tests).
 */
import { expect, test } from 'bun:test';
import { summaryLines } from './schemathesis.ts';

const OUTPUT = [
  'Test cases:',
  '  409 generated, 409 passed, 10 skipped',
  '',
  '⚠️ Schema validation mismatch: 3 operations mostly rejected generated data',
  'Seed: 72355818641020736248043886174137174042',
  '============================== 1 warning in 3.05s ==============================',
  '=========================== No issues found in 4.97s ===========================',
].join('\n');

test('the summary keeps the test cases, warnings and seed, and drops the pytest-style closing rules', () => {
  expect(summaryLines(OUTPUT)).toEqual([
    'test cases: 409 generated, 409 passed, 10 skipped',
    '⚠️ Schema validation mismatch: 3 operations mostly rejected generated data',
    'Seed: 72355818641020736248043886174137174042',
  ]);
});
