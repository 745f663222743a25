#!/usr/bin/env bash
# Installs the peers of the balancer benchmark from Debian, idempotently: HAProxy, nginx and wrk.
# Runs apt-get update only when a package is missing. The benchmark starts its own haproxy and
# nginx processes with their own config files; the Debian services are not enabled or started here.
# Needs root for apt-get.
set -euo pipefail

missing=()
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "[bench-install] haproxy, nginx and wrk present"
  exit 0
fi
echo "[bench-install] installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
# policy-rc.d 101 stops Debian's maintainer scripts from starting the nginx/haproxy services.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[bench-install] done: $(haproxy -v 2>&1 | head -1); $(nginx -v 2>&1); wrk $(wrk -v 2>&1 | head -1)"
