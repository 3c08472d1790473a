# The guest test subsets (sourced by run.sh). Paths are relative to the repo.
# test/v2/ is outside the host's test/integration/*.test.ts glob on purpose:
# these tests need a cgroup v2 host with systemd as PID 1 — the guest.

# CI's stage (scripts/test.sh): one pod, one container, stats, update, OOM,
# cleanup — for both drivers.
SMOKE_FILES=(test/v2/lifecycle.test.ts test/v2/oom.test.ts)

# `npm run test:v2`: everything that runs on the plain image …
FULL_FILES=(
  test/v2/lifecycle.test.ts
  test/v2/oom.test.ts
  test/v2/restart.test.ts
  test/v2/crun.test.ts
  test/v2/berth-cli.test.ts
  test/v2/bad-input.test.ts
  test/v2/driver-default.test.ts
  test/v2/apparmor-without-parser.test.ts
  test/v2/monitor-placement.test.ts
  # CRIU cannot run on the host's kernel; here it can (checkpoint, restore, a counter's memory).
  test/integration/checkpoint.test.ts
)
# … and, in a second boot with Debian's apparmor package installed:
APPARMOR_FILES=(test/v2/apparmor-with-parser.test.ts)
