#!/usr/bin/env bash
# Installs what zonescale's tests need on a fresh machine, idempotently: Bun (from npm), the
# project's packages, Debian's Chromium (for Playwright), and the built dashboard and app UI.
# Used by scripts/test.sh (and so by .ci/run). Needs root for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

if ! command -v bun >/dev/null 2>&1; then
  log "installing Bun from the npm registry"
  npm install -g bun >/dev/null
fi
log "bun $(bun --version)"

# shellcheck source=scripts/apt.sh
source scripts/apt.sh

if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium fonts-dejavu-core
fi

log "bun install"
bun install --frozen-lockfile >/dev/null

log "building the dashboard and the app UI"
bun run build:ui >/dev/null
log "ready"
