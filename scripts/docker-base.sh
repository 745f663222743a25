#!/usr/bin/env bash
# Builds the base image the Dockerfile names, zonescale/bun-base:local, without pulling anything:
# a root filesystem holding this machine's Bun binary, the C libraries it links (ldd), CA
# certificates (this machine's bundle, trusted through NODE_EXTRA_CA_CERTS) and minimal /etc files, imported with `docker import`. Idempotent: does nothing when
# the tag exists (pass --force to rebuild). Needs a running Docker engine.
set -euo pipefail
DOCKER=${DOCKER:-/usr/bin/docker}
TAG=zonescale/bun-base:local
if [ "${1:-}" != --force ] && "$DOCKER" image inspect "$TAG" >/dev/null 2>&1; then exit 0; fi
bun=$(readlink -f "$(command -v bun)")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/app" "$root/root"
chmod 1777 "$root/tmp"
cp "$bun" "$root/usr/local/bin/bun"
# Every library bun links, at the same path, plus the dynamic loader.
for lib in $(ldd "$bun" | grep -oE '/[^ ]+'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
echo 'root:x:0:0:root:/root:/usr/local/bin/bun' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
tar -C "$root" -c . | "$DOCKER" import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' -c 'WORKDIR /app' - "$TAG" >/dev/null
echo "[docker-base] imported $TAG (bun $("$bun" --version))"
