// RunOptions → the CRI configs of the one-container pod berth makes. Pure.
// The pod gets no infra process (PID namespace per container, as docker
// gives each container its own, with the command as PID 1).
import { MountPropagation, NamespaceMode, Protocol, SecurityProfile_ProfileType, type ContainerConfig, type DeepPartial, type PodSandboxConfig } from '../../api/gen/api.js';
import { CLI_LABEL, CLI_VALUE, NAME_LABEL, OPTIONS_ANNOTATION, POD_NAMESPACE } from './labels.js';
import { parseUser, type RunOptions } from './run-options.js';
import { CPU_PERIOD_US, quotaFor } from './units.js';

const PROTOCOL = { tcp: Protocol.TCP, udp: Protocol.UDP, sctp: Protocol.SCTP } as const;

export interface PodIdentity {
  uid: string;
  /** The pod's log directory (container logs are <name>.log in it). */
  logDirectory: string;
}

export function podConfig(o: RunOptions, id: PodIdentity): DeepPartial<PodSandboxConfig> {
  return {
    metadata: { name: o.name, namespace: POD_NAMESPACE, uid: id.uid, attempt: 0 },
    hostname: o.hostname ?? hostnameOf(o.name),
    logDirectory: id.logDirectory,
    portMappings: o.ports.map((p) => ({ protocol: PROTOCOL[p.protocol], containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIp })),
    labels: { [CLI_LABEL]: CLI_VALUE, [NAME_LABEL]: o.name },
    annotations: {},
    linux: {
      securityContext: { namespaceOptions: { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD } },
    },
  };
}

/** A container name as a hostname (RFC 1123 label: lower case, digits, '-'). */
export function hostnameOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'berth';
}

export function containerConfig(o: RunOptions, attempt: number, imageRef: string): DeepPartial<ContainerConfig> {
  const user = o.user !== undefined ? parseUser(o.user) : undefined;
  const resources: DeepPartial<NonNullable<NonNullable<ContainerConfig['linux']>['resources']>> = {};
  if (o.cpuMillis !== undefined) {
    resources.cpuPeriod = BigInt(CPU_PERIOD_US);
    resources.cpuQuota = BigInt(quotaFor(o.cpuMillis));
  }
  if (o.memoryBytes !== undefined) resources.memoryLimitInBytes = BigInt(o.memoryBytes);
  if (o.cpusetCpus !== undefined) resources.cpusetCpus = o.cpusetCpus;
  return {
    metadata: { name: o.name, attempt },
    image: { image: imageRef, userSpecifiedImage: o.image },
    command: o.entrypoint ?? [],
    args: o.cmd,
    workingDir: o.workdir ?? '',
    envs: o.env,
    mounts: o.volumes.map((v) => ({ containerPath: v.containerPath, hostPath: v.hostPath, readonly: v.readonly, propagation: MountPropagation.PROPAGATION_PRIVATE })),
    labels: { ...o.labels, [CLI_LABEL]: CLI_VALUE, [NAME_LABEL]: o.name },
    annotations: { [OPTIONS_ANNOTATION]: JSON.stringify(o) },
    // The same file for every attempt: conmon appends, so logs span restarts (as docker's).
    logPath: `${o.name}.log`,
    stdin: o.stdin,
    stdinOnce: o.stdinOnce,
    tty: o.tty,
    linux: {
      resources,
      securityContext: {
        namespaceOptions: { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD },
        ...(user?.uid !== undefined ? { runAsUser: { value: BigInt(user.uid) } } : {}),
        ...(user?.username !== undefined ? { runAsUsername: user.username } : {}),
        ...(user?.gid !== undefined ? { runAsGroup: { value: BigInt(user.gid) } } : {}),
        // docker's default: the runtime's seccomp profile.
        seccomp: { profileType: SecurityProfile_ProfileType.RuntimeDefault },
      },
    },
  };
}

/** The RunOptions stored on a berth container, if it has them. */
export function optionsOf(annotations: Record<string, string> | undefined): RunOptions | undefined {
  const text = annotations?.[OPTIONS_ANNOTATION];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as RunOptions;
  } catch {
    return undefined;
  }
}
