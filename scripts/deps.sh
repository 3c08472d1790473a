#!/usr/bin/env bash
# Installs what Berth needs from Debian/Ubuntu's archive: the runtime parts
# berthd drives, and (with --test) what the test suite and benchmarks use.
# Idempotent; quiet unless something is missing.
set -euo pipefail

# gcc + libc6-dev build berthd's small C helper (native/berth-stream.c) at install.
RUNTIME_PKGS=(runc crun conmon containernetworking-plugins catatonit iproute2 iptables util-linux tar zstd criu attr gcc libc6-dev)
# zsh: the completion tests check the generated zsh script.
# qemu-system-x86 … e2fsprogs: build and boot the cgroup-v2 test guest (scripts/vm/).
TEST_PKGS=(docker-registry busybox-static apache2-utils openssl containerd protobuf-compiler hyperfine zsh
  qemu-system-x86 qemu-utils debootstrap e2fsprogs)

pkgs=("${RUNTIME_PKGS[@]}")
[[ "${1:-}" == "--test" ]] && pkgs+=("${TEST_PKGS[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "berth: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js >= 20 with npm.
if ! command -v node >/dev/null || (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  echo "berth: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
