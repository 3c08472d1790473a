#!/bin/bash
# Baked into the guest image (/usr/local/lib/berth-vm/boot.sh), started once
# per boot by berth-vm.service. Kept tiny on purpose: it mounts the run's
# input share and hands over to the runner the host put there
# (scripts/vm/guest-run.sh), so changing how tests run needs no new image.
# Whatever happens, the guest powers off at the end, which ends qemu.
set -u
IN=/mnt/berth-in
mkdir -p "$IN"
modprobe -a 9pnet_virtio 9p 2>/dev/null   # udev may not have loaded them yet
if mount -t 9p -o trans=virtio,version=9p2000.L,ro berth-in "$IN" && [[ -x "$IN/guest-run.sh" ]]; then
  "$IN/guest-run.sh"
else
  echo "berth-vm: no input share or runner; nothing to run" >/dev/console
fi
sync
systemctl --no-block poweroff
