#!/usr/bin/env bash
# Runs every zonescale test: installs what is missing (scripts/setup.sh), type-checks, runs the
# unit and integration suites with `bun test`, the Playwright suite in Debian's Chromium against a
# real cluster, and the fuzz suite (scripts/fuzz.sh: Schemathesis against every role's API; it
# needs no service, so it runs after they are stopped). The real services (Redis, Kafka,
# InfluxDB, Docker, then a Docker Swarm of scripts/swarm.sh) are started first by scripts/services.sh for the service-backed suites in
# test/services, which find them through ZONESCALE_TEST_* variables (not REDIS_URL etc., which
# would switch every role onto them), and the ones this run started are stopped at the end, also
# on failure. Prints each runner's summary and a closing line "tests: N passed, N failed,
# N skipped". Exits non-zero on any failure.
# With CI=true a missing service (or Python for the fuzz suite) is a failure, never a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-}"

bash scripts/setup.sh || { echo "setup failed"; echo "tests: 0 passed, 1 failed"; exit 1; }

out=$(mktemp -d)
status=0

echo "== services (redis, kafka, influxdb 1.6 and 1.8, docker)"
services_before=$(bash scripts/services.sh status 2>/dev/null | awk '$2 == "up" { print $1 }' | tr '\n' ' ')
services_stopped=0
swarm_started=0
stop_services() {
  [ "$services_stopped" = 1 ] && return 0
  services_stopped=1
  local started=()
  for s in redis kafka influx influx18 docker; do [[ " $services_before " == *" $s "* ]] || started+=("$s"); done
  [ "$swarm_started" = 1 ] && bash scripts/swarm.sh down || true
  [ ${#started[@]} = 0 ] || bash scripts/services.sh down "${started[@]}" || true
}
trap 'stop_services; rm -rf "$out"' EXIT
services_start=$SECONDS
if ! bash scripts/services.sh up; then
  echo "services failed to start"
  [ "$CI" = true ] && status=1
fi
echo "services ready in $((SECONDS - services_start)) s"
bash scripts/services.sh status
export ZONESCALE_TEST_REDIS_URL=redis://127.0.0.1:6379 ZONESCALE_TEST_KAFKA_BROKERS=127.0.0.1:9092 \
  ZONESCALE_TEST_INFLUX_URL=http://127.0.0.1:8086 ZONESCALE_TEST_INFLUX18_URL=http://127.0.0.1:8087 \
  ZONESCALE_TEST_DOCKER_HOST=unix:///var/run/docker.sock

echo "== swarm (scripts/swarm.sh: a manager on the engine above, a second dockerd joined as a worker)"
# The image the swarm suites' engines need (a second engine gets it by docker save | load).
bun run build:ui >/dev/null 2>&1 || echo "build:ui failed: the swarm suites build the image from the tree"
if bash scripts/swarm.sh up; then
  swarm_started=1
  eval "$(bash scripts/swarm.sh env)"
else
  echo "swarm failed to start"
  [ "$CI" = true ] && status=1
fi
bash scripts/swarm.sh status

echo "== format and lint (biome check)"
if ! bunx biome check . >/dev/null 2>&1; then
  bunx biome check . 2>&1 | tail -20
  echo "format or lint findings: run 'bunx biome check --write .' (format, import order) and fix the rest"
  status=1
fi

echo "== typecheck (tsc --noEmit)"
if ! bun run typecheck; then
  echo "typecheck failed"
  status=1
fi

echo "== bun test (unit + integration + services)"
bun test server dashboard app-ui bench test/protocol test/integration test/services test/fuzz 2>&1 | tee "$out/bun.txt"
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

stop_services # before the fuzz suite and the summary, so the closing line is the last one printed

echo "== fuzz (schemathesis against every role's /openapi.json)"
bash scripts/fuzz.sh 2>&1 | tee "$out/fuzz.txt"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
read -r f_pass f_fail f_skip < <(
  grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out/fuzz.txt" | tail -1 | grep -oE '[0-9]+' | tr '\n' ' '
)
f_pass=${f_pass:-0} f_fail=${f_fail:-1} f_skip=${f_skip:-0}

echo
echo "bun-test:   ${b_pass} passed, ${b_fail} failed, ${b_skip} skipped"
echo "playwright: ${p_pass} passed, ${p_fail} failed, ${p_skip} skipped"
echo "fuzz:       ${f_pass} passed, ${f_fail} failed, ${f_skip} skipped"
total_fail=$((b_fail + p_fail + f_fail))
if [ "$status" != 0 ] && [ "$total_fail" = 0 ]; then total_fail=1; fi
echo "tests: $((b_pass + p_pass + f_pass)) passed, ${total_fail} failed, $((b_skip + p_skip + f_skip)) skipped"
exit "$status"
