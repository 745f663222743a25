#!/usr/bin/env bash
# Runs the fuzz suite (test/fuzz/run.ts: Schemathesis against every role's /openapi.json on a
# throwaway cluster, without and with the cluster token). Installs Schemathesis first, pinned by
# test/fuzz/requirements.txt, into the project-local venv .cache/fuzz-venv (reinstalled when the
# pins or the Python change). Needs Python >= 3.11 with venv; on Debian a missing python3 or
# python3-venv is installed with apt-get (root). When Python or PyPI is unavailable the suite is
# skipped, and with CI=true it fails. Arguments go to run.ts (e.g. --max-examples 10, --seed N).
# The last line is "fuzz: N passed, N failed, N skipped"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
CI="${CI:-}"
venv=.cache/fuzz-venv
req=test/fuzz/requirements.txt

log() { printf '[fuzz] %s\n' "$*"; }
# shellcheck source=scripts/apt.sh
source scripts/apt.sh

unavailable() {
  log "$1"
  if [ "$CI" = true ]; then
    log "CI=true: a missing fuzz tool is a failure"
    echo "fuzz: 0 passed, 1 failed, 0 skipped"
    exit 1
  fi
  echo "fuzz: 0 passed, 0 failed, 1 skipped"
  exit 0
}

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

# The first Python >= 3.11 on PATH (Schemathesis 4 needs 3.11).
find_python() {
  local c
  for c in python3 python3.13 python3.12 python3.11; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

# Creates $venv with $1; on Debian, python3-venv (ensurepip) may be missing: install it and retry.
make_venv() {
  rm -rf "$venv"
  "$1" -m venv "$venv" >/dev/null 2>&1 && return 0
  can_apt || return 1
  local minor
  minor=$("$1" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  apt_install python3-venv "python${minor}-venv" || apt_install python3-venv || return 1
  rm -rf "$venv"
  "$1" -m venv "$venv" >/dev/null 2>&1
}

py=$(find_python)
if [ -z "$py" ] && can_apt; then
  apt_install python3 python3-venv || true
  py=$(find_python)
fi
[ -n "$py" ] || unavailable "no Python >= 3.11 found (python3: $(python3 --version 2>/dev/null || echo missing))"

stamp="$(sha256sum "$req" | cut -c1-16) $("$py" --version 2>&1)"
if [ "$(cat "$venv/.zonescale-stamp" 2>/dev/null)" != "$stamp" ] || ! "$venv/bin/st" --version >/dev/null 2>&1; then
  log "installing Schemathesis into $venv ($("$py" --version 2>&1))"
  make_venv "$py" || unavailable "could not create a venv with $py (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" ||
    unavailable "pip install -r $req failed"
  echo "$stamp" >"$venv/.zonescale-stamp"
fi
log "$("$venv/bin/st" --version)"

bun test/fuzz/run.ts --st "$venv/bin/st" "$@"
