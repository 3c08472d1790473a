# Shared by build-image.sh and run.sh (sourced, not run): where the cached
# guest image lives and what its cache key is.

VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$VM_DIR/../.." && pwd)"

# The image depends on the package list, the build script and the files it
# installs into the guest; any change to them is a new image (the old one
# stays in the cache: other checkouts may still use it; delete old keys by hand).
vm_image_key() {
  (cd "$VM_DIR" && cat packages.txt build-image.sh guest/*) | sha256sum | cut -c1-16
}

# /var/cache/berth-vm by default (outside the repo, shared by worktrees and
# fresh clones on one machine); BERTH_VM_CACHE overrides; .vm-cache/ in the
# repo (gitignored) when /var/cache is not writable.
vm_cache_root() {
  if [[ -n "${BERTH_VM_CACHE:-}" ]]; then echo "$BERTH_VM_CACHE"
  elif mkdir -p /var/cache/berth-vm 2>/dev/null && [[ -w /var/cache/berth-vm ]]; then echo /var/cache/berth-vm
  else echo "$REPO_DIR/.vm-cache"
  fi
}

vm_image_dir() { echo "$(vm_cache_root)/$(vm_image_key)"; }

# The Debian mirror apt is configured with (deb822 sources first, then
# one-line sources), so the guest comes from where the host's packages do.
apt_mirror() {
  local m=""
  shopt -s nullglob
  for f in /etc/apt/sources.list.d/*.sources; do
    m=$(awk '/^URIs:/{u=$2} /^Suites:/{for(i=2;i<=NF;i++) if($i=="bookworm"){print u; exit}}' "$f")
    [[ -n "$m" ]] && break
  done
  if [[ -z "$m" ]]; then
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1=="deb" && $0 ~ / bookworm / {for(i=2;i<=NF;i++) if($i ~ /^https?:/){print $i; exit}}' | head -n1)
  fi
  shopt -u nullglob
  echo "${m:-http://deb.debian.org/debian}"
}
