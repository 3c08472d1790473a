#!/usr/bin/env bash
# README command 1: installs everything (Debian packages, npm dependencies,
# build), puts berthd/berthctl/berth on the PATH and starts berthd with its
# embedded defaults (as a systemd service where systemd runs, else detached).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $EUID -eq 0 ]] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }

bash scripts/deps.sh
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
# The CLIs' compile cache (dist/lib/.compile-cache) is written by the first run of each
# bundle; one run of each core now makes it root's, as the rest of dist/ is.
dist/berthctl.cjs --version >/dev/null
dist/berth.cjs --version >/dev/null

ln -sf "$PWD/dist/berthd.js" /usr/local/bin/berthd
ln -sf "$PWD/dist/berthctl.cjs" /usr/local/bin/berthctl
ln -sf "$PWD/dist/berth.cjs" /usr/local/bin/berth

if [[ -d /run/systemd/system ]]; then
  install -m 0644 packaging/berthd.service /etc/systemd/system/berthd.service
  systemctl daemon-reload
  systemctl enable --now berthd.service
  systemctl restart berthd.service
else
  if [[ -f /run/berth/berthd.pid ]] && kill -0 "$(cat /run/berth/berthd.pid)" 2>/dev/null; then
    kill "$(cat /run/berth/berthd.pid)"; sleep 1
  fi
  nohup /usr/local/bin/berthd >>/var/log/berthd.log 2>&1 &
  echo "berthd started without systemd (pid $!), logging to /var/log/berthd.log"
fi

for _ in $(seq 50); do [[ -S /run/berth/berth.sock ]] && break; sleep 0.1; done
/usr/local/bin/berthctl info -q >/dev/null && echo "berthd is serving on unix:///run/berth/berth.sock; try: berthctl info"
