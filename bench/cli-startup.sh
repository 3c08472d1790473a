#!/usr/bin/env bash
# Start-up of the CLIs and of berthd on Node 20 (Debian's /usr/bin/node) and
# Node 26 (`node` on the PATH), the same dist/ for both. CLI commands run
# against a private berthd (under Node 26), `berthctl version` also against
# containerd's CRI, and containerd's own Go client (`ctr version`) is the
# same-run reference for a Go CLI (crictl is not in Debian 12).
# Target (issue 15): `berthctl version` against berthd <= 30 ms.
# Usage: bash bench/cli-startup.sh [runs] [daemon-starts]   (root; builds first; hyperfine, perf)
#   BASELINE_DIST=/path/to/an/older/dist adds that build's berthctl (e.g. the one-file bundle).
set -euo pipefail
cd "$(dirname "$0")/.."
unset NODE_EXTRA_CA_CERTS   # adds ~47 ms to every node start (STACK.md)
RUNS=${1:-100}
STARTS=${2:-100}
N20=/usr/bin/node
N26=$(command -v node)
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
B="-r unix://$W/berth.sock"
cmds=(
  'node 26 -e 0' "$N26 -e 0"
  'node 20 -e 0' "$N20 -e 0"
  'ctr version → containerd (Go)' "ctr --address $W/containerd.sock version"
  'berthctl --version, node 26' "$N26 dist/berthctl.cjs --version"
  'berthctl --version, node 20' "$N20 dist/berthctl.cjs --version"
  'berthctl version → berthd, node 26' "$N26 dist/berthctl.cjs $B version"
  'berthctl version → berthd, node 20' "$N20 dist/berthctl.cjs $B version"
  'berthctl version → berthd, node 26, no compile cache' "$N26 dist/lib/berthctl.cjs $B version"
  'berthctl version → containerd, node 26' "$N26 dist/berthctl.cjs -r unix://$W/containerd.sock version"
  'berthctl ps → berthd, node 26' "$N26 dist/berthctl.cjs $B ps"
  'berthctl ps → berthd, node 20' "$N20 dist/berthctl.cjs $B ps"
  'berth ps → berthd, node 26' "$N26 dist/berth.cjs -H unix://$W/berth.sock ps"
  'berth ps → berthd, node 20' "$N20 dist/berth.cjs -H unix://$W/berth.sock ps"
)
if [[ -n ${BASELINE_DIST:-} ]]; then
  cmds+=("baseline berthctl version → berthd, node 26" "$N26 $BASELINE_DIST/berthctl.cjs $B version")
  cmds+=("baseline berthctl version → berthd, node 20" "$N20 $BASELINE_DIST/berthctl.cjs $B version")
fi
# One run of each first: the CLIs' compile cache (dist/lib/.compile-cache) is written on a first run.
args=()
for ((i = 0; i < ${#cmds[@]}; i += 2)); do
  ${cmds[i + 1]} >/dev/null
  args+=(-n "${cmds[i]}" "${cmds[i + 1]}")
done
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N -w 5 -r "$RUNS" --export-markdown "$W/table.md" "${args[@]}" >/dev/null
cat "$W/table.md"
# Page faults and CPU per command: what start-up costs on this machine, less sensitive to other load than wall time.
echo
echo '| Command | page faults | task-clock [ms] |'
echo '|:---|---:|---:|'
for ((i = 0; i < ${#cmds[@]}; i += 2)); do
  # shellcheck disable=SC2086
  perf stat -r 20 -e page-faults,task-clock -x, -o "$W/perf.csv" ${cmds[i + 1]} >/dev/null
  awk -F, -v n="${cmds[i]}" '$3 == "page-faults" { f = $1 } $3 == "task-clock" { t = $1 } END { printf "| `%s` | %d | %.1f |\n", n, f, t }' "$W/perf.csv"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
cc -O2 -o "$W/fault-cost" bench/fault-cost.c && for _ in 1 2 3; do "$W/fault-cost"; done
echo
node --import tsx bench/daemon-startup.ts "$STARTS" "$N20" "$N26"
