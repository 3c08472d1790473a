#!/usr/bin/env bash
# Builds the cgroup-v2 test guest from Debian packages only, unattended:
#   debootstrap (bookworm, minbase, apt's configured mirror) + packages.txt
#   → a few files of our own (guest/) → mkfs.ext4 -d → raw ext4 image.
# Output, cached under $(vm_image_dir) and keyed by the package list and
# this script (see common.sh): rootfs.img, vmlinuz, initrd.img, and
# debs/apparmor/*.deb (Debian's `apparmor` package, kept OUT of the image and
# installed by the runner only for runs that ask for it, so one image serves
# both the "with apparmor_parser" and the "without" cases).
# Prints the image directory. Needs root (debootstrap, mkfs ownership).
# Usage: build-image.sh [--force]
set -euo pipefail
source "$(dirname "$0")/common.sh"

[[ $EUID -eq 0 ]] || { echo "build-image.sh: needs root (debootstrap)" >&2; exit 1; }
out=$(vm_image_dir)
if [[ -f "$out/rootfs.img" && "${1:-}" != "--force" ]]; then echo "$out"; exit 0; fi

mkdir -p "$(dirname "$out")"
# One build at a time per cache; a second caller waits and reuses the result.
exec 9>"$(dirname "$out")/build.lock"
flock 9
if [[ -f "$out/rootfs.img" && "${1:-}" != "--force" ]]; then echo "$out"; exit 0; fi

work=$(mktemp -d "$(dirname "$out")/build.XXXXXX")
trap 'umount -R "$work/root" 2>/dev/null || true; rm -rf "$work"' EXIT
root="$work/root"
mirror=$(apt_mirror)
pkgs=$(grep -v '^\s*#' "$VM_DIR/packages.txt" | xargs | tr ' ' ',')

t0=$SECONDS
echo "vm: debootstrap bookworm from $mirror" >&2
# --include installs recommends-free; the log goes to the work dir (quiet unless it fails).
if ! debootstrap --variant=minbase --include="$pkgs" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -n 40 "$work/debootstrap.log" >&2
  tail -n 40 "$root/debootstrap/debootstrap.log" 2>/dev/null >&2 || true
  exit 1
fi
echo "vm: debootstrap took $((SECONDS - t0)) s" >&2

# --- our own files --------------------------------------------------------
echo berth-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 berth-vm\n::1 localhost\n' >"$root/etc/hosts"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
# A fixed machine id: every boot starts from this image, none is a "first boot".
chroot "$root" systemd-machine-id-setup >/dev/null
# A getty on the serial console hangs up the console under the test output;
# Debian's docker-registry starts its own empty registry on :5000 (the tests
# run their own). Neither belongs in a test guest.
for unit in serial-getty@ttyS0.service getty@tty1.service docker-registry.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
install -D -m 0755 "$VM_DIR/guest/berth-vm-boot.sh" "$root/usr/local/lib/berth-vm/boot.sh"
install -D -m 0644 "$VM_DIR/guest/berth-vm.service" "$root/etc/systemd/system/berth-vm.service"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/berth-vm.service "$root/etc/systemd/system/multi-user.target.wants/berth-vm.service"
# Keep the image small: the package cache is not needed offline.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root/debootstrap"

# --- the AppArmor variant's package, outside the image ----------------------
mkdir -p "$work/out/debs/apparmor"
download_apparmor() { (cd "$work/out/debs/apparmor" && apt-get download -q apparmor >/dev/null 2>&1); }
# A fresh machine may have no package lists yet.
download_apparmor || { apt-get update -qq && download_apparmor; } \
  || { echo "vm: apt-get download apparmor failed" >&2; exit 1; }

# --- kernel, initrd, filesystem image -------------------------------------
cp "$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n1)" "$work/out/vmlinuz"
cp "$(ls "$root"/boot/initrd.img-* | sort -V | tail -n1)" "$work/out/initrd.img"
t1=$SECONDS
# stdout is this script's answer (the image directory): mkfs's chatter goes to stderr.
mkfs.ext4 -q -L berth-vm -d "$root" "$work/out/rootfs.img" 4G >&2
echo "vm: mkfs.ext4 took $((SECONDS - t1)) s; image built in $((SECONDS - t0)) s" >&2
rm -rf "$out"
mv "$work/out" "$out"
echo "$out"
