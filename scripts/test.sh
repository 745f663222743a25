#!/usr/bin/env bash
# Runs every zonescale test: installs what is missing (scripts/setup.sh), type-checks, runs the
# unit and integration suites with `bun test`, then the Playwright suite in Debian's Chromium
# against a real cluster. Prints each runner's summary and a closing line
# "tests: N passed, N failed, N skipped". Exits non-zero on any failure.
# With CI=true a missing service is a failure, never a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-}"

bash scripts/setup.sh || { echo "setup failed"; echo "tests: 0 passed, 1 failed"; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0

echo "== format (biome)"
if ! bunx biome format . >/dev/null 2>&1; then
  bunx biome format . 2>&1 | tail -20
  echo "formatting differs: run 'bun run format'"
  status=1
fi

echo "== typecheck (tsc --noEmit)"
if ! bun run typecheck; then
  echo "typecheck failed"
  status=1
fi

echo "== bun test (unit + integration)"
bun test server dashboard app-ui test/integration 2>&1 | tee "$out/bun.txt"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
b_pass=$(grep -E '^ *[0-9]+ pass$' "$out/bun.txt" | tail -1 | grep -oE '[0-9]+' || echo 0)
b_fail=$(grep -E '^ *[0-9]+ fail$' "$out/bun.txt" | tail -1 | grep -oE '[0-9]+' || echo 0)
b_skip=$(grep -E '^ *[0-9]+ skip$' "$out/bun.txt" | tail -1 | grep -oE '[0-9]+' || echo 0)

echo "== playwright (e2e, Debian Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$out/pw.json" bunx playwright test -c e2e/playwright.config.ts --reporter=list,json
[ $? = 0 ] || status=1
read -r p_pass p_fail p_skip < <(bun -e '
  const f = Bun.file(process.argv[1]);
  const s = (await f.exists()) ? (await f.json()).stats : { expected: 0, unexpected: 1, skipped: 0, flaky: 0 };
  console.log(s.expected + s.flaky, s.unexpected, s.skipped);
' "$out/pw.json")

echo
echo "bun-test:   ${b_pass} passed, ${b_fail} failed, ${b_skip} skipped"
echo "playwright: ${p_pass} passed, ${p_fail} failed, ${p_skip} skipped"
total_fail=$((b_fail + p_fail))
if [ "$status" != 0 ] && [ "$total_fail" = 0 ]; then total_fail=1; fi
echo "tests: $((b_pass + p_pass)) passed, ${total_fail} failed, $((b_skip + p_skip)) skipped"
exit "$status"
