#!/usr/bin/env bash
# Entry point of the balancer benchmark: installs HAProxy, nginx and wrk when missing (idempotent,
# needs root), raises the open-file limit for this process tree only (10,000 client connections
# plus the balancer's upstream sockets), then runs run.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash bench/balancer/install.sh
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "[bench] open-file limit $(ulimit -n)"
exec bun bench/balancer/run.ts "$@"
