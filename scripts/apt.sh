#!/usr/bin/env bash
# Sourced by scripts/setup.sh and scripts/fuzz.sh: `apt_install PKG…` installs Debian packages
# quietly (one `apt-get update` per run first). Needs root. Callers define `log`.
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
