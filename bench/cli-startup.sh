#!/usr/bin/env bash
# CLI start-up: `berthctl version` / `info` against a running berthd, and
# against containerd's CRI for the same client (same run). Target: <= 60 ms.
# Usage: bash bench/cli-startup.sh   (root; builds first; uses hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
unset NODE_EXTRA_CA_CERTS   # adds ~47 ms to every node start (STACK.md)
bash scripts/deps.sh --test
npm run --silent build
W=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'kill $(cat $W/pids 2>/dev/null) 2>/dev/null || true; sleep 0.5; rm -rf "$W"' EXIT
printf '[network]\nconf_dir = "%s/cni"\n' "$W" > "$W/berth.toml"
dist/berthd.js --config "$W/berth.toml" --root "$W/root" --state "$W/state" --listen "unix://$W/berth.sock" 2>"$W/berthd.log" &
echo $! >> "$W/pids"
# containerd with its CRI plugin on private paths, as the peer endpoint.
cat > "$W/containerd.toml" <<TOML
version = 2
root = "$W/ctrd-root"
state = "$W/ctrd-state"
[grpc]
  address = "$W/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    conf_dir = "$W/cni"
    bin_dir = "/usr/lib/cni"
TOML
containerd --config "$W/containerd.toml" >"$W/containerd.log" 2>&1 &
echo $! >> "$W/pids"
for _ in $(seq 100); do [[ -S $W/berth.sock && -S $W/containerd.sock ]] && break; sleep 0.1; done
hyperfine -N -w 5 -r 50 --export-markdown "$W/table.md" \
  -n 'node (empty script)' "node -e 0" \
  -n 'berthctl --version (no RPC)' "dist/berthctl.cjs --version" \
  -n 'berthctl version → berthd' "dist/berthctl.cjs -r unix://$W/berth.sock version" \
  -n 'berthctl info → berthd' "dist/berthctl.cjs -r unix://$W/berth.sock info" \
  -n 'berthctl version → containerd' "dist/berthctl.cjs -r unix://$W/containerd.sock version" >/dev/null
cat "$W/table.md"
