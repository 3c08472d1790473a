#!/usr/bin/env bash
# Runs Berth's cgroup-v2 tests in a Debian guest under qemu (see docs/vm-tests.md).
#   run.sh --smoke              the smoke subset (CI)
#   run.sh --full               every v2 test: one boot on the plain image, one with apparmor
#   run.sh [--apparmor] FILE…   the named test files (repo-relative) in one boot
# Options: --timeout SEC (per boot; default 1800 smoke, 3600 otherwise).
# Environment: BERTH_VM_ACCEL=kvm to try KVM (default tcg: a nested KVM guest
# hung at boot on this machine), BERTH_VM_KEEP=1 keeps the run directory,
# BERTH_VM_CACHE moves the image cache.
# Builds the image when it is not cached (build-image.sh), shares a copy of
# the built repo read-only (run `npm run build` first) and exits with the
# tests' status.
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$VM_DIR/suites.sh"

die() { echo "vm: $*" >&2; exit 2; }
[[ $EUID -eq 0 ]] || die "needs root (image build, 9p shares of root-owned files)"
for t in qemu-system-x86_64 qemu-img debootstrap mkfs.ext4; do
  command -v "$t" >/dev/null || die "$t missing: bash scripts/deps.sh --test installs it"
done
[[ -f "$REPO_DIR/dist/berthd.js" && -d "$REPO_DIR/node_modules/tsx" ]] || die "build the repo first: npm ci && npm run build"

mode=files variant=base timeout="" files=()
while (($#)); do
  case "$1" in
    --smoke) mode=smoke ;;
    --full) mode=full ;;
    --apparmor) variant=apparmor ;;
    --timeout) timeout=$2; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) files+=("$1") ;;
  esac
  shift
done
[[ -n "$timeout" ]] || { [[ $mode == smoke ]] && timeout=1800 || timeout=3600; }

image=$(bash "$VM_DIR/build-image.sh") || die "building the guest image failed"
[[ -f "$image/rootfs.img" ]] || die "build-image.sh gave no image (got: $image)"
# Follow symlinks: the guest gets the binary itself. It links only glibc and
# libstdc++ (ldd), both in the image.
node_bin=$(readlink -f "$(command -v node)")

# boot VARIANT FILE… — one guest boot running FILEs; returns their exit status.
boot() {
  local variant=$1; shift
  local run; run=$(mktemp -d /var/tmp/berth-vm-run.XXXXXX)
  mkdir -p "$run/in" "$run/out" "$run/tools" "$run/repo"
  cp "$VM_DIR/guest-run.sh" "$run/in/"
  # Big files go on a share the runner mounts with a large msize (the input
  # share is mounted by the image's boot script with 9p's small default).
  cp "$node_bin" "$run/tools/node"
  cp -r "$image/debs" "$run/tools/debs"
  # A copy of the built repo (~80 MB, under a second), so a rebuild, rebase
  # or edit during a long run cannot change what the guest is testing.
  local entry
  for entry in "$REPO_DIR"/* "$REPO_DIR"/.[!.]*; do
    case "${entry##*/}" in .git|.vm-cache) continue ;; esac
    cp -a "$entry" "$run/repo/"
  done
  printf '%s\n' "$@" >"$run/in/files"
  # Each test gets at most 10 minutes (a hung one must not take the whole boot's time).
  printf 'VARIANT=%s\nTEST_TIMEOUT_MS=%s\n' "$variant" 600000 >"$run/in/request.env"
  # Copy-on-write: the cached image is never written; each boot starts clean.
  qemu-img create -q -f qcow2 -F raw -b "$image/rootfs.img" "$run/disk.qcow2" || { rm -rf "$run"; return 125; }

  local accel=${BERTH_VM_ACCEL:-tcg} cpu=max
  [[ $accel == kvm ]] && cpu=host
  echo "vm: booting ($accel, variant $variant): $*"
  local started=$SECONDS
  : >"$run/serial.log"   # exists before tail looks for it
  # stdin from /dev/null: -nographic would otherwise read the terminal.
  timeout -k 10 "$timeout" nice -n 10 qemu-system-x86_64 \
    -accel "$accel" -cpu "$cpu" -m 3072 -smp 2 -nic none -nographic -no-reboot \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 quiet loglevel=3 systemd.show_status=false panic=1" \
    -drive "file=$run/disk.qcow2,format=qcow2,if=virtio" \
    -device virtio-rng-pci \
    -virtfs "local,path=$run/in,mount_tag=berth-in,security_model=none,readonly=on" \
    -virtfs "local,path=$run/tools,mount_tag=berth-tools,security_model=none,readonly=on" \
    -virtfs "local,path=$run/repo,mount_tag=berth-repo,security_model=none,readonly=on" \
    -virtfs "local,path=$run/out,mount_tag=berth-out,security_model=none" \
    </dev/null >"$run/serial.log" 2>&1 &
  local qpid=$!
  # Always end qemu (and drop the run directory), however this script ends.
  local drop="rm -rf '$run'"
  [[ -n "${BERTH_VM_KEEP:-}" ]] && drop=:
  trap "kill $qpid 2>/dev/null || true; $drop" EXIT
  trap "kill $qpid 2>/dev/null; wait $qpid; $drop; exit 130" INT TERM
  tail -n +1 -f --pid="$qpid" "$run/serial.log" &
  local tpid=$!
  local rc=0
  wait "$qpid" || rc=$?
  wait "$tpid" 2>/dev/null || true
  trap - EXIT INT TERM
  local status
  if [[ -f "$run/out/status" ]]; then status=$(<"$run/out/status")
  elif ((rc == 124)); then echo "vm: timed out after $timeout s"; status=124
  else echo "vm: the guest ended without a test status (qemu exit $rc)"; status=125
  fi
  echo "vm: boot + tests took $((SECONDS - started)) s, status $status"
  cp "$run/serial.log" "$(vm_cache_root)/last-serial.log"
  if [[ -n "${BERTH_VM_KEEP:-}" ]]; then echo "vm: kept $run"; else rm -rf "$run"; fi
  return "$status"
}

rc=0
case $mode in
  smoke) boot base "${SMOKE_FILES[@]}" || rc=$? ;;
  full)
    boot base "${FULL_FILES[@]}" || rc=$?
    if ((${#APPARMOR_FILES[@]})); then boot apparmor "${APPARMOR_FILES[@]}" || { s=$?; ((rc)) || rc=$s; }; fi ;;
  files)
    ((${#files[@]})) || die "name test files, or --smoke / --full"
    boot "$variant" "${files[@]}" || rc=$? ;;
esac
exit "$rc"
