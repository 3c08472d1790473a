// The two axes every cgroup decision turns on: the driver (who makes the
// cgroups: the OCI runtime writing cgroupfs itself, or systemd as transient
// units) and the hierarchy version of the host. Pure.

export type CgroupDriverName = 'cgroupfs' | 'systemd';
/** What the config may say: a driver, or "auto" (choose from the host). */
export type CgroupDriverSetting = CgroupDriverName | 'auto';
export type CgroupVersion = 1 | 2;

export const CGROUP_DRIVER_SETTINGS: readonly CgroupDriverSetting[] = ['auto', 'cgroupfs', 'systemd'];

export interface CgroupHost {
  version: CgroupVersion;
  /** systemd is PID 1 (it then owns the hierarchy and answers on D-Bus). */
  systemdInit: boolean;
}

/**
 * "auto" → systemd where systemd is PID 1 on a unified (v2) host, as kubeadm
 * and current distributions configure the kubelet; cgroupfs otherwise (a v1
 * or hybrid host, or no systemd). An explicit setting is taken as given.
 */
export function chooseDriver(setting: CgroupDriverSetting, host: CgroupHost): CgroupDriverName {
  if (setting !== 'auto') return setting;
  return host.systemdInit && host.version === 2 ? 'systemd' : 'cgroupfs';
}
