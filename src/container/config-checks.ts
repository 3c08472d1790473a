// Request strings of a ContainerConfig that the kernel takes as C strings
// (argv, environment, paths): a NUL byte there is the client's mistake, to be
// refused as InvalidArgument before anything is made, not a runc failure
// reported as INTERNAL after the rootfs is mounted. Pure.
import type { ContainerConfig } from '../api/gen/api.js';
import { checkAbsolutePath, checkArgv, checkName, noNul } from '../util/path-checks.js';

export function checkContainerStrings(c: ContainerConfig): void {
  checkName(c.metadata?.name ?? '', 'config.metadata.name');
  checkArgv(c.command, 'config.command');
  checkArgv(c.args, 'config.args');
  noNul(c.workingDir, 'config.working_dir');
  c.envs.forEach((e, i) => {
    noNul(e.key, `config.envs[${i}].key`);
    noNul(e.value, `config.envs[${i}].value`);
  });
  c.mounts.forEach((m, i) => {
    noNul(m.containerPath, `config.mounts[${i}].container_path`);
    if (m.hostPath) checkAbsolutePath(m.hostPath, `config.mounts[${i}].host_path`);
  });
  c.devices.forEach((d, i) => {
    noNul(d.containerPath, `config.devices[${i}].container_path`);
    noNul(d.hostPath, `config.devices[${i}].host_path`);
  });
}
