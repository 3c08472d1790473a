#!/bin/bash
# berthd's idle memory with given node flags, as in bench/RESULTS.md "Memory":
# starts dist/berthd.js on private directories (default network config, log
# level info), waits until it serves and then WAIT seconds (default 5), prints
# RSS, PSS and PSS split into anonymous and file-backed pages from
# /proc/<pid>/smaps_rollup, stops it. Runs it RUNS times (default 3).
# Run as root: bash bench/idle-memory.sh [node flags...]   e.g. --max-semi-space-size=1 --max-opt=1
# With no flags: the flags of dist/berthd.js's shebang. BERTHD=<file> measures another bundle.
set -euo pipefail
unset NODE_EXTRA_CA_CERTS
here=$(cd "$(dirname "$0")/.." && pwd)
berthd=${BERTHD:-$here/dist/berthd.js}
if [ $# -eq 0 ]; then
  # shellcheck disable=SC2046
  set -- $(head -1 "$here/dist/berthd.js" | tr ' ' '\n' | grep '^--')
fi
for run in $(seq 1 "${RUNS:-3}"); do
  d=$(mktemp -d /tmp/berth-idle-mem.XXXXXX)
  mkdir -p "$d/cni"
  printf '[network]\nconf_dir = "%s/cni"\ninstall_default_config = true\n' "$d" > "$d/berth.toml"
  node "$@" "$berthd" --config "$d/berth.toml" --root "$d/root" --state "$d/state" --listen "unix://$d/s.sock" --log-level info 2>"$d/log" &
  pid=$!
  for _ in $(seq 1 200); do grep -q 'berthd serving' "$d/log" 2>/dev/null && break; sleep 0.05; done
  sleep "${WAIT:-5}"
  awk -v run="$run" -v flags="$*" '/^Rss:/{r=$2} /^Pss:/{p=$2} /^Pss_Anon:/{a=$2} /^Pss_File:/{f=$2}
    END{printf "run %s [%s]: RSS %.1f MB, PSS %.1f MB (anon %.1f, file %.1f)\n", run, flags, r/1024, p/1024, a/1024, f/1024}' "/proc/$pid/smaps_rollup"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  findmnt -rn -o TARGET | { grep "^$d" || true; } | sort -r | xargs -r umount -l
  rm -rf "$d"
done
