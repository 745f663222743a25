#!/usr/bin/env bash
# A Docker Swarm on this machine for the swarm runtime's tests (and a user's first try), on
# 127.0.0.0/8 only: the engine of scripts/services.sh becomes a manager (`docker swarm init
# --advertise-addr 127.0.0.1`, only if it is not in a swarm already), and a SECOND dockerd with its
# own data root, exec root, unix socket and pid file (.cache/services/swarm/node2/) joins as a worker
# advertising 127.0.0.2. Node labels: zonescale.zone=zone1 on both nodes, and zone2 also on the
# manager (zonescale.zone.zone2=true: a node serving several zones carries one such label a zone),
# and zonescale.address=<its 127.0.0.x> (the manager sees every local node as 127.0.0.1).
# The second engine gets the zonescale images with `docker save | docker -H … load`.
#
#   bash scripts/swarm.sh up       init (if needed), start + join node 2, label, copy images
#   bash scripts/swarm.sh down     node 2 (if `up` started it) leaves and stops, and the manager
#                                  leaves the swarm (removing its services) only if `up` initialised it
#   bash scripts/swarm.sh status   one line: swarm state, node count, node 2 state
#   bash scripts/swarm.sh env      ZONESCALE_TEST_SWARM_* exports for test/services
# When Swarm refuses the second local node, `up` still leaves a one-node swarm, writes the exact
# error to .cache/services/swarm/node2-error.txt and prints it; ZONESCALE_TEST_SWARM_NODES is then 1.
# Needs root (dockerd). Exits non-zero only when the one-node swarm cannot be set up.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DOCKER=/usr/bin/docker
STATE="$ROOT/.cache/services/swarm"
N2="$STATE/node2"
N2_SOCK="unix://$N2/docker.sock"
N2_ADDR=${ZONESCALE_SWARM_NODE2_ADDR:-127.0.0.2}
IMAGES=(zonescale:local zonescale/bun-base:local)
mkdir -p "$STATE"

log() { printf '[swarm] %s\n' "$*" >&2; }
d1() { "$DOCKER" -H unix:///var/run/docker.sock "$@"; }
d2() { "$DOCKER" -H "$N2_SOCK" "$@"; }
state_of() { "$@" info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.3
  done
}

node2_start() {
  if d2 version >/dev/null 2>&1; then return 0; fi
  mkdir -p "$N2/data" "$N2/exec"
  log "starting a second dockerd (data root $N2/data, socket $N2_SOCK)"
  setsid /usr/sbin/dockerd --iptables=false --ip6tables=false --bridge=none --host="$N2_SOCK" \
    --data-root="$N2/data" --exec-root="$N2/exec" --pidfile="$N2/dockerd.pid" \
    >>"$N2/dockerd.log" 2>&1 </dev/null &
  echo $! >"$N2/pid"
  wait_for 60 d2 version || { tail -20 "$N2/dockerd.log" >&2; return 1; }
}

node2_stop() {
  if alive "$N2/pid"; then
    local pid; pid=$(cat "$N2/pid")
    log "stopping the second dockerd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.3; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$N2/pid"
  # The engine leaves its network-namespace bind mounts under its exec root (netns/): unmount them,
  # so the checkout can be deleted once the run is over.
  local m
  for m in $(awk -v root="$N2/exec/" 'index($2, root) == 1 { print $2 }' /proc/self/mounts 2>/dev/null | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

# Copies the zonescale images the second engine lacks.
node2_images() {
  for img in "${IMAGES[@]}"; do
    d1 image inspect "$img" >/dev/null 2>&1 || continue
    [ "$(d2 image inspect -f '{{.Id}}' "$img" 2>/dev/null)" = "$(d1 image inspect -f '{{.Id}}' "$img")" ] && continue
    log "copying $img to node 2"
    d1 save "$img" | d2 load >/dev/null
  done
}

node2_join() {
  [ "$(state_of d2)" = active ] && return 0
  local token err
  token=$(d1 swarm join-token -q worker)
  if ! err=$(d2 swarm join --token "$token" --advertise-addr "$N2_ADDR" --listen-addr "$N2_ADDR:2377" \
    --data-path-addr "$N2_ADDR" 127.0.0.1:2377 2>&1); then
    printf '%s\n' "docker swarm join --advertise-addr $N2_ADDR --listen-addr $N2_ADDR:2377 127.0.0.1:2377: $err" \
      >"$STATE/node2-error.txt"
    return 1
  fi
  # The join returns before the manager sees the node as ready.
  wait_for 30 node2_ready
}
node2_id() { d2 info -f '{{.Swarm.NodeID}}' 2>/dev/null; }
node2_ready() { [ "$(d1 node inspect -f '{{.Status.State}}' "$(node2_id)" 2>/dev/null)" = ready ]; }

up() {
  d1 version >/dev/null 2>&1 || { log "the Docker engine is not running (bash scripts/services.sh up docker)"; return 1; }
  if [ "$(state_of d1)" != active ]; then
    log "docker swarm init --advertise-addr 127.0.0.1"
    d1 swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null || return 1
    touch "$STATE/initialised"
  fi
  local manager; manager=$(d1 info -f '{{.Swarm.NodeID}}')
  d1 node update --label-add zonescale.zone=zone1 --label-add zonescale.zone.zone2=true \
    --label-add zonescale.address=127.0.0.1 "$manager" >/dev/null
  rm -f "$STATE/node2-error.txt"
  if node2_start && node2_join; then
    node2_images
    d1 node update --label-add zonescale.zone=zone1 --label-add zonescale.address="$N2_ADDR" "$(node2_id)" >/dev/null
    log "two-node swarm: manager 127.0.0.1 (zone1, zone2), worker $N2_ADDR (zone1)"
  else
    [ -f "$STATE/node2-error.txt" ] || echo "second dockerd did not start: $(tail -3 "$N2/dockerd.log" 2>/dev/null)" >"$STATE/node2-error.txt"
    log "Swarm refused a second local node; one-node swarm only. Error: $(cat "$STATE/node2-error.txt")"
    d2 swarm leave --force >/dev/null 2>&1 || true
    node2_stop
  fi
}

down() {
  # Services are the tests' to remove (each suite removes its own); a swarm this script initialised
  # goes away whole with `swarm leave --force` below.
  if alive "$N2/pid" && d2 version >/dev/null 2>&1; then
    local id; id=$(node2_id)
    d2 swarm leave --force >/dev/null 2>&1 || true
    [ -z "$id" ] || { wait_for 20 node2_down "$id"; d1 node rm --force "$id" >/dev/null 2>&1 || true; }
  fi
  node2_stop
  if [ -f "$STATE/initialised" ]; then
    log "docker swarm leave --force (this script initialised the swarm)"
    d1 swarm leave --force >/dev/null 2>&1 || true
    rm -f "$STATE/initialised"
  fi
}
node2_down() { [ "$(d1 node inspect -f '{{.Status.State}}' "$1" 2>/dev/null)" != ready ]; }

nodes() { d1 node ls -q 2>/dev/null | wc -l; }

case ${1:-status} in
  up) up ;;
  down) down ;;
  status)
    echo "swarm   $(state_of d1 || echo down)  nodes=$(nodes)  node2=$(d2 version >/dev/null 2>&1 && echo "up $N2_ADDR" || echo down)"
    [ -f "$STATE/node2-error.txt" ] && echo "node2 error: $(cat "$STATE/node2-error.txt")"
    true
    ;;
  env)
    echo "export ZONESCALE_TEST_SWARM=1"
    echo "export ZONESCALE_TEST_SWARM_NODES=$(nodes)"
    echo "export ZONESCALE_TEST_SWARM_NODE2_HOST=$N2_SOCK"
    ;;
  *) log "usage: bash scripts/swarm.sh up|down|status|env"; exit 2 ;;
esac
