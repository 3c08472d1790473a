#!/bin/bash
# The guest half of a run, read from the run's input share at boot
# (guest/berth-vm-boot.sh execs it). Mounts the repo (read-only) and the
# results share, installs the host's node binary, optionally Debian's
# apparmor package, prints the facts the tests rely on, runs the requested
# test files with node's runner and leaves output + exit status in the
# results share. Its stdout is the serial console the host streams.
set -u
IN=/mnt/berth-in OUT=/mnt/berth-out REPO=/mnt/berth-repo TOOLS=/mnt/berth-tools
P9="trans=virtio,version=9p2000.L,msize=262144"
mkdir -p "$OUT" "$REPO" "$TOOLS"
mount -t 9p -o "$P9" berth-out "$OUT" || { echo "berth-vm: cannot mount the results share"; exit 1; }
status=125
trap 'echo "$status" >"$OUT/status"; sync' EXIT
# cache=loose: the repo cannot change under a run, and node_modules is many small reads.
mount -t 9p -o "$P9,ro,cache=loose" berth-repo "$REPO" || { echo "berth-vm: cannot mount the repo"; exit; }
mount -t 9p -o "$P9,ro" berth-tools "$TOOLS" || { echo "berth-vm: cannot mount the tools share"; exit; }
install -m 0755 "$TOOLS/node" /usr/local/bin/node
missing=$(ldd /usr/local/bin/node | awk '/not found/{print $1}' | xargs)
if [[ -n "$missing" ]]; then
  echo "berth-vm: the host's node needs $missing, which the image lacks: add its Debian package to scripts/vm/packages.txt"
  exit
fi
export PATH=/usr/local/bin:$PATH HOME=/root
# Under TCG on a busy host berthd can take more than the host tests' 10 s to serve.
export BERTH_TEST_DAEMON_START_MS=60000
source "$IN/request.env"   # VARIANT, TEST_TIMEOUT_MS
mapfile -t files <"$IN/files"

if [[ "$VARIANT" == apparmor ]]; then
  # The package's postinst starts apparmor.service, which loads its profiles.
  dpkg -i "$TOOLS"/debs/apparmor/*.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit; }
fi

echo "berth-vm: up $(cut -d" " -f1 /proc/uptime) s; kernel $(uname -r), $(stat -fc %T /sys/fs/cgroup) on /sys/fs/cgroup," \
  "controllers: $(cat /sys/fs/cgroup/cgroup.controllers), PID 1: $(cat /proc/1/comm)," \
  "AppArmor: $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null || echo absent)," \
  "apparmor_parser: $(command -v apparmor_parser || echo absent), node $(node --version)"
echo "berth-vm: up $(cut -d" " -f1 /proc/uptime) s; running ${files[*]}"

cd "$REPO"
# --test-force-exit: a file whose process keeps a handle open (a leaked child)
# must not hold the boot until its timeout; leaks are the tests' own checks.
start=$SECONDS
node --import tsx --test --test-force-exit --test-concurrency=1 --test-timeout="$TEST_TIMEOUT_MS" --test-reporter=spec "${files[@]}" 2>&1 \
  | tee "$OUT/output.log"
status=${PIPESTATUS[0]}
echo "berth-vm: tests exited $status after $((SECONDS - start)) s"
