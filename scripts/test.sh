#!/usr/bin/env bash
# README command 2 (and CI): installs what the tests need, builds, checks the
# types and the CRI wire contract, then runs unit and integration tests and the
# cgroup-v2 guest's smoke subset.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $EUID -eq 0 ]] || { echo "test.sh: the integration tests need root (sudo)" >&2; exit 1; }
unset NODE_EXTRA_CA_CERTS   # slows every node start (see STACK.md)

bash scripts/deps.sh --test
[[ -d node_modules/.bin ]] && [[ node_modules/.package-lock.json -nt package-lock.json ]] \
  || npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
npx tsc -p tsconfig.json

echo "== unit tests"
# A per-test limit turns a hang on a loaded machine into a named failure instead of a stalled CI run.
node --import tsx --test --test-concurrency=4 --test-timeout=120000 --test-reporter=spec test/unit/*.test.ts
echo "== integration tests"
node --import tsx --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec test/integration/*.test.ts
# cgroup v2, the systemd driver: in a Debian guest under qemu (docs/vm-tests.md).
# The first run on a machine builds the guest image (~4 min), later runs boot it.
echo "== cgroup-v2 guest: smoke subset"
bash scripts/vm/run.sh --smoke
