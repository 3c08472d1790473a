// RunPodSandbox's validation, as a pure function: from the CRI config to
// what the pod needs (namespaces, files, sysctls, network capabilities,
// infra process). Everything a request can get wrong is refused here, as
// InvalidArgument, before anything is created.
import type { PodSandboxConfig } from '../api/gen/api.js';
import { failedPrecondition, invalidArgument } from '../util/errors.js';
import { checkAbsolutePath, checkName, singleLine } from '../util/path-checks.js';
import { cniBandwidth, cniPortMappings, type CniBandwidth, type CniPortMapping } from './cni/network-setup.js';
import type { NsKind } from './namespaces.js';
import { validateHostname, type DnsSpec } from './pod-files.js';
import type { PodMetadata, PodNamespaceModes } from './sandbox-store.js';
import { classifySysctls, type Sysctl } from '../util/sysctls.js';
import { planUserns, type UsernsMappings } from '../util/idmap.js';

/** CRI NamespaceMode values. */
export const NS_POD = 0;
export const NS_CONTAINER = 1;
export const NS_NODE = 2;
export const NS_TARGET = 3;

export interface PodPlan {
  metadata: PodMetadata;
  /** name_namespace_uid_attempt: a retry with the same key is the same pod. */
  key: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler: string;
  namespaces: PodNamespaceModes;
  /** Namespaces the pod gets of its own (the rest are the node's). */
  ownNamespaces: NsKind[];
  hostNetwork: boolean;
  hostname: string;
  dns: DnsSpec | undefined;
  sysctls: Sysctl[];
  portMappings: CniPortMapping[];
  bandwidth: CniBandwidth | undefined;
  cgroupParent: string;
  /** The pod shares one PID namespace: it needs an infra process to hold it. */
  needsInfra: boolean;
  /** The pod's user namespace mappings (userns_options mode POD); undefined: the node's. */
  userns?: UsernsMappings;
}

export interface PlanContext {
  handlers: readonly string[];
  defaultHandler: string;
  /** Used as the hostname when the config gives none. */
  nodeHostname: string;
  /** The pod's cgroup parent from the request's (src/cgroups: default, and refusal of what the driver cannot place). */
  cgroupParent(requested: string): string;
  /** Whether a handler can run pods in a user namespace (its Status feature), and why not. */
  userns?: (handler: string) => { ok: boolean; why?: string };
}

export function podKey(m: PodMetadata): string {
  return `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
}

export function planPod(config: PodSandboxConfig | undefined, runtimeHandler: string, ctx: PlanContext): PodPlan {
  if (!config) throw invalidArgument('cri', 'config is required');
  const md = config.metadata;
  if (!md || !md.name || !md.namespace) throw invalidArgument('cri', 'config.metadata.name and config.metadata.namespace are required');
  for (const k of ['name', 'namespace', 'uid'] as const) checkName(md[k], `config.metadata.${k}`);
  const metadata: PodMetadata = { name: md.name, uid: md.uid, namespace: md.namespace, attempt: md.attempt };

  const handler = runtimeHandler || ctx.defaultHandler;
  if (!ctx.handlers.includes(handler)) {
    throw invalidArgument('cri', `runtime_handler: runtime handler "${handler}" is not configured (have: ${ctx.handlers.join(', ')})`);
  }

  const linux = config.linux;
  const nso = linux?.securityContext?.namespaceOptions;
  const namespaces: PodNamespaceModes = { network: nso?.network ?? NS_POD, pid: nso?.pid ?? NS_POD, ipc: nso?.ipc ?? NS_POD, targetId: nso?.targetId ?? '' };
  checkMode('network', namespaces.network, [NS_POD, NS_NODE]);
  checkMode('ipc', namespaces.ipc, [NS_POD, NS_NODE]);
  checkMode('pid', namespaces.pid, [NS_POD, NS_CONTAINER, NS_NODE, NS_TARGET]);
  if (namespaces.pid === NS_TARGET && !namespaces.targetId) throw invalidArgument('cri', 'namespace_options.pid is TARGET but target_id is empty');
  const userns = planUserns(nso?.usernsOptions, 'config.linux.security_context.namespace_options.userns_options');
  if (userns && ctx.userns) {
    const can = ctx.userns(handler);
    if (!can.ok) throw failedPrecondition('runtime', `runtime handler "${handler}" cannot run pods in a user namespace here: ${can.why ?? 'not supported'}`);
  }
  if (userns) {
    // Its other namespaces are created inside the user namespace; the node's belong to the node's.
    for (const k of ['network', 'ipc', 'pid'] as const) {
      if (namespaces[k] === NS_NODE) throw invalidArgument('cri', `namespace_options.${k}: NODE cannot be combined with a user namespace (userns_options mode POD)`);
    }
  }

  const hostNetwork = namespaces.network === NS_NODE;
  const hostIpc = namespaces.ipc === NS_NODE;
  // A host-network pod also keeps the node's UTS namespace (as the kubelet expects).
  const ownNamespaces: NsKind[] = [...(userns ? (['user'] as const) : []), ...(hostNetwork ? [] : (['net', 'uts'] as const)), ...(hostIpc ? [] : (['ipc'] as const))];

  validateHostname(config.hostname);
  const sysctls = classifySysctls(linux?.sysctls ?? {}, { net: hostNetwork, ipc: hostIpc, uts: hostNetwork });

  const cgroupParent = ctx.cgroupParent(linux?.cgroupParent ?? '');

  const dns = config.dnsConfig;
  // Lines of the pod's resolv.conf: no line of its own may be smuggled in.
  for (const [k, list] of Object.entries({ servers: dns?.servers, searches: dns?.searches, options: dns?.options })) list?.forEach((v, i) => singleLine(v, `dns_config.${k}[${i}]`));
  // conmon creates the directory containers log into: absolute, no backsteps (the kubelet sends /var/log/pods/…).
  if (config.logDirectory) checkAbsolutePath(config.logDirectory, 'config.log_directory');
  return {
    metadata,
    key: podKey(metadata),
    labels: { ...config.labels },
    annotations: { ...config.annotations },
    runtimeHandler: handler,
    namespaces,
    ownNamespaces,
    hostNetwork,
    hostname: config.hostname || ctx.nodeHostname,
    dns: dns ? { servers: dns.servers, searches: dns.searches, options: dns.options } : undefined,
    sysctls,
    portMappings: cniPortMappings(config.portMappings),
    bandwidth: hostNetwork ? undefined : cniBandwidth(config.annotations),
    cgroupParent,
    needsInfra: namespaces.pid === NS_POD,
    ...(userns ? { userns } : {}),
  };
}

function checkMode(kind: string, mode: number, allowed: readonly number[]): void {
  if (!allowed.includes(mode)) throw invalidArgument('cri', `namespace_options.${kind}: mode ${mode} is not supported for a pod`);
}
