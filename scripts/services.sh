#!/usr/bin/env bash
# The real services zonescale's adapters run on, installed and started by the project itself, on
# 127.0.0.1 only: Redis (Debian's redis-server, appendonly yes) on 6379, Kafka 3.9.1 (jars from Maven
# Central into .cache/kafka, KRaft single node) on 9092 (controller 9093), InfluxDB (Debian's 1.6.7,
# 1.x API) on 8086, InfluxDB 1.8.3 (built from its Go source through the Go module proxy into
# .cache/influx18, ~3 min once; it serves the 2.x API: /api/v2/write, Flux) on 8087, and the Docker engine (Debian's docker.io; dockerd without iptables or bridge,
# so containers use host networking) on /var/run/docker.sock, plus the locally imported base image
# zonescale/bun-base:local (scripts/docker-base.sh). State and logs: .cache/services/<name>/.
#
#   bash scripts/services.sh up [name…]       install what is missing, start, wait until each answers
#   bash scripts/services.sh down [name…]     stop what `up` started (pid files); leaves others alone
#   bash scripts/services.sh status [name…]   one line per service: name, state, address
#   bash scripts/services.sh env              the URLs as `export` lines (REDIS_URL, KAFKA_BROKERS, …)
# Names: redis kafka influx influx18 docker (default: all). Idempotent: `up` on a running service is a no-op.
# Needs root for apt-get and dockerd. Exits non-zero when a service cannot be started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE="$ROOT/.cache/services"
KAFKA_VERSION=3.9.1
KAFKA_HOME="$ROOT/.cache/kafka"
ALL=(redis kafka influx influx18 docker)
INFLUX18_VERSION=1.8.3
INFLUX18_HOME="$ROOT/.cache/influx18"
mkdir -p "$STATE"

log() { printf '[services] %s\n' "$*" >&2; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ] && ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Is the process in pid file $1 alive?
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
# Is 127.0.0.1:$1 accepting connections?
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# wait_for <seconds> <command…>: retries the command every 0.2 s.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
# start_bg <pidfile> <logfile> <command…>: a detached child in its own session.
start_bg() {
  local pidfile=$1 logfile=$2; shift 2
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
}
# stop_pid <pidfile> <name>: TERM, up to 15 s, then KILL; removes the pid file.
stop_pid() {
  local pidfile=$1 name=$2
  if alive "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 15))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# ---- redis -------------------------------------------------------------------------------------
redis_install() { command -v redis-server >/dev/null || apt_install redis-server; }
redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
redis_up() {
  redis_install
  if redis_ping; then return 0; fi
  if alive "$STATE/redis/pid"; then wait_for 20 redis_ping; return; fi # still starting
  mkdir -p "$STATE/redis/data"
  start_bg "$STATE/redis/pid" "$STATE/redis/redis.log" redis-server --bind 127.0.0.1 --port 6379 \
    --protected-mode yes --appendonly yes --appendfsync everysec --save '' --dir "$STATE/redis/data" --daemonize no
  wait_for 20 redis_ping || { tail -20 "$STATE/redis/redis.log" >&2; return 1; }
}
redis_down() { stop_pid "$STATE/redis/pid" redis; }
redis_status() { redis_ping && echo "redis   up    redis://127.0.0.1:6379" || echo "redis   down  redis://127.0.0.1:6379"; }

# ---- kafka -------------------------------------------------------------------------------------
kafka_install() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  if [ ! -f "$KAFKA_HOME/libs/kafka_2.13-$KAFKA_VERSION.jar" ]; then
    command -v mvn >/dev/null || apt_install maven
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central"
    mvn -q -B -f scripts/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory="$KAFKA_HOME/libs" \
      -Dmaven.repo.local="$KAFKA_HOME/m2" >&2
  fi
}
kafka_java() { java -Xms256m -Xmx768m -cp "$KAFKA_HOME/libs/*" -Dlog4j.configuration="file:$STATE/kafka/log4j.properties" "$@"; }
kafka_up() {
  kafka_install
  if port_open 9092; then return 0; fi
  local dir="$STATE/kafka"
  if alive "$dir/pid"; then wait_for 90 port_open 9092; return; fi # still starting
  mkdir -p "$dir/data"
  sed "s#@DATA@#$dir/data#" scripts/kafka/server.properties >"$dir/server.properties"
  sed "s#@LOG@#$dir/server.log#" scripts/kafka/log4j.properties >"$dir/log4j.properties"
  if [ ! -f "$dir/data/meta.properties" ]; then
    log "formatting Kafka storage (KRaft)"
    kafka_java kafka.tools.StorageTool format -t "$(kafka_java kafka.tools.StorageTool random-uuid)" \
      -c "$dir/server.properties" >>"$dir/format.log" 2>&1
  fi
  start_bg "$dir/pid" "$dir/stdout.log" java -Xms256m -Xmx768m -cp "$KAFKA_HOME/libs/*" \
    -Dlog4j.configuration="file:$dir/log4j.properties" kafka.Kafka "$dir/server.properties"
  wait_for 90 port_open 9092 || { tail -30 "$dir/server.log" "$dir/stdout.log" >&2; return 1; }
}
kafka_down() { stop_pid "$STATE/kafka/pid" kafka; }
kafka_status() { port_open 9092 && echo "kafka   up    127.0.0.1:9092" || echo "kafka   down  127.0.0.1:9092"; }

# ---- influx and influx18 -----------------------------------------------------------------------
# influxd_ping <port>; influxd_version <port>: the X-Influxdb-Version of its /ping.
influxd_ping() { curl -sf -o /dev/null "http://127.0.0.1:$1/ping"; }
influxd_version() { curl -sfI "http://127.0.0.1:$1/ping" 2>/dev/null | tr -d '\r' | sed -n 's/^[Xx]-[Ii]nfluxdb-[Vv]ersion: //p'; }
# influxd_up <name> <port> <conf template> <influxd binary>: state and log in .cache/services/<name>/.
influxd_up() {
  local name=$1 port=$2 conf=$3 bin=$4 dir="$STATE/$1"
  if influxd_ping "$port"; then return 0; fi
  if alive "$dir/pid"; then wait_for 30 influxd_ping "$port"; return; fi # still starting
  mkdir -p "$dir"
  sed "s#@DIR@#$dir#g" "$conf" >"$dir/influxdb.conf"
  start_bg "$dir/pid" "$dir/influxd.log" "$bin" -config "$dir/influxdb.conf"
  wait_for 30 influxd_ping "$port" || { tail -20 "$dir/influxd.log" >&2; return 1; }
}
# influxd_status <label> <port>
influxd_status() {
  local v; v=$(influxd_version "$2") || true
  [ -n "$v" ] && printf '%-8s up    http://127.0.0.1:%s (InfluxDB %s)\n' "$1" "$2" "$v" ||
    printf '%-8s down  http://127.0.0.1:%s\n' "$1" "$2"
}

# Debian's 1.6.7 (the 1.x API) on 8086.
influx_install() { command -v influxd >/dev/null || apt_install influxdb; }
influx_up() { influx_install && influxd_up influx 8086 scripts/influx/influxdb.conf influxd; }
influx_down() { stop_pid "$STATE/influx/pid" influx; }
influx_status() { influxd_status influx 8086; }

# 1.8.3 (the 2.x API: /api/v2/write, Flux) on 8087, built once from its Go source through the Go
# module proxy (~3 min) into .cache/influx18; -X main.version makes /ping report the version.
influx18_install() {
  [ -x "$INFLUX18_HOME/bin/influxd" ] && return 0
  command -v go >/dev/null || apt_install golang-go
  log "building influxd $INFLUX18_VERSION from Go source (go $(go env GOVERSION)), ~3 min"
  mkdir -p "$INFLUX18_HOME/bin"
  GOPATH="$INFLUX18_HOME/gopath" GOBIN="$INFLUX18_HOME/bin" GOFLAGS=-modcacherw \
    go install -ldflags "-X main.version=$INFLUX18_VERSION" \
    "github.com/influxdata/influxdb/cmd/influxd@v$INFLUX18_VERSION" >&2
}
influx18_up() {
  influx18_install && influxd_up influx18 8087 scripts/influx/influxdb18.conf "$INFLUX18_HOME/bin/influxd"
}
influx18_down() { stop_pid "$STATE/influx18/pid" influx18; }
influx18_status() { influxd_status influx18 8087; }

# ---- docker ------------------------------------------------------------------------------------
DOCKER=/usr/bin/docker
docker_install() {
  [ -x /usr/sbin/dockerd ] && [ -x "$DOCKER" ] || apt_install docker.io
  # Debian bookworm has no compose plugin; docker-compose 1.29 validates compose.yaml (test/services).
  command -v docker-compose >/dev/null || apt_install docker-compose
}
docker_ping() { "$DOCKER" -H unix:///var/run/docker.sock version >/dev/null 2>&1; }
docker_up() {
  docker_install
  if ! docker_ping; then
    local dir="$STATE/docker"
    mkdir -p "$dir"
    if alive "$dir/pid"; then wait_for 60 docker_ping; fi # still starting
  fi
  if ! docker_ping; then
    local dir="$STATE/docker"
    # No iptables and no bridge: the sandbox has no netfilter rights, and containers use the host network.
    start_bg "$dir/pid" "$dir/dockerd.log" /usr/sbin/dockerd --iptables=false --ip6tables=false --bridge=none \
      --host=unix:///var/run/docker.sock --pidfile="$dir/dockerd.pid"
    wait_for 60 docker_ping || { tail -30 "$dir/dockerd.log" >&2; return 1; }
  fi
  bash scripts/docker-base.sh >&2
}
docker_down() { stop_pid "$STATE/docker/pid" docker; }
docker_status() {
  docker_ping && echo "docker  up    unix:///var/run/docker.sock ($("$DOCKER" version -f '{{.Server.Version}}' 2>/dev/null))" ||
    echo "docker  down  unix:///var/run/docker.sock"
}

# ---- main --------------------------------------------------------------------------------------
cmd=${1:-status}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
for n in "${names[@]}"; do
  case $n in redis | kafka | influx | influx18 | docker) ;; *) log "unknown service $n (one of: ${ALL[*]})"; exit 2 ;; esac
done

case $cmd in
  up)
    failed=0
    for n in "${names[@]}"; do
      start=$SECONDS
      if "${n}_up"; then log "$n up ($((SECONDS - start)) s)"; else log "$n FAILED to start"; failed=1; fi
    done
    exit "$failed"
    ;;
  down) for ((i = ${#names[@]} - 1; i >= 0; i--)); do "${names[$i]}_down"; done ;;
  status) for n in "${names[@]}"; do "${n}_status"; done ;;
  env)
    echo "export REDIS_URL=redis://127.0.0.1:6379"
    echo "export KAFKA_BROKERS=127.0.0.1:9092"
    echo "export INFLUX_URL=http://127.0.0.1:8086"
    echo "export INFLUX18_URL=http://127.0.0.1:8087"
    echo "export DOCKER_HOST=unix:///var/run/docker.sock"
    ;;
  *) log "usage: bash scripts/services.sh up|down|status|env [redis|kafka|influx|influx18|docker …]"; exit 2 ;;
esac
