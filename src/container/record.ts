// The persisted record of a container: everything needed to answer CRI
// queries and to recover after a berthd restart. Timestamps are nanoseconds
// as decimal strings (JSON has no int64).
export type ContainerStateName = 'creating' | 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerRecord {
  id: string;
  podId: string;
  /** Kubernetes-style unique name: <name>_<pod>_<namespace>_<uid>_<attempt>. */
  name: string;
  /** The CRI ContainerConfig, protobuf-encoded (base64), for exact round trips. */
  configPb: string;
  imageId: string;
  imageRef: string;
  /** The image as the client asked for it (ContainerStatus.image). */
  imageSpec: string;
  runtimeHandler: string;
  state: ContainerStateName;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  reason: string;
  message: string;
  pid: number;
  /** Absolute log path, "" when the pod gave no log directory. */
  logPath: string;
  /** Where conmon actually writes (logPath, or a private file when logPath is ""). */
  conmonLogPath: string;
  stopSignal: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  /** OCI LinuxResources as applied (JSON), for ContainerStatus.resources. */
  resourcesJson: string;
  /** linux.cgroupsPath of the spec (cgroupfs path or systemd slice:prefix:name). */
  cgroupsPath: string;
  /** Its PID namespace is shared (pod, target or node): stopping must kill every process, not only init. Absent in old records: true. */
  sharedPidNamespace?: boolean;
  /** It joined its pod's shared PID namespace (the infra's): it ends when the infra does. */
  inPodPidNamespace?: boolean;
  /** Images mounted as image volumes (KEP-4639): RemoveImage refuses them while the container exists. */
  imageVolumeIds?: string[];
  /** Created from a checkpoint archive: its extracted directory (CRIU images in checkpoint/); StartContainer restores instead of starting, then removes it. */
  restoreFrom?: string;
}

export function nowNs(): string {
  return (BigInt(Date.now()) * 1_000_000n + BigInt(process.hrtime()[1] % 1_000_000)).toString();
}
