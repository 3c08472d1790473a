// The berthd configuration: every option, its type, its default and the one
// line of documentation `berthd config` prints above it. Pure data plus the
// types derived from it; loading and validation live in load.ts.
import { CGROUP_DRIVER_SETTINGS, type CgroupDriverSetting } from '../cgroups/driver.js';
import { parseQuantity } from '../util/quantity.js';
import { MONITOR_KINDS, type MonitorKind } from '../oci/monitor-kind.js';

export interface RuntimeHandler {
  /** Binary of the OCI runtime (runc, crun …); a bare name is looked up in PATH. */
  path: string;
  /** The runtime's --root state directory; "" means <state>/<handler name>. */
  root: string;
}

export interface RegistryHost {
  /** Endpoints tried in order before the registry itself, e.g. "http://127.0.0.1:5000". */
  mirrors: string[];
  /** Allow plain HTTP and unverified TLS for this host and its mirrors. */
  insecure: boolean;
}

export interface BerthConfig {
  grpc: { listen: string; max_msg_size: number };
  storage: { root: string; state: string };
  runtime: {
    default_handler: string;
    conmon_path: string;
    monitor: MonitorKind;
    cgroup_manager: CgroupDriverSetting;
    seccomp_use_default_when_empty: boolean;
    no_new_privs_when_empty: boolean;
    handlers: Record<string, RuntimeHandler>;
  };
  network: {
    conf_dir: string;
    bin_dirs: string[];
    install_default_config: boolean;
    default_subnet: string;
  };
  image: {
    auth_file: string;
    min_free_space: string;
    registries: Record<string, RegistryHost>;
  };
  streaming: { address: string; port: number; idle_timeout: string };
  log: { level: LogLevel };
  pod: { shm_size: string };
  cdi: { spec_dirs: string[] };
  metrics: { enabled: boolean; listen: string; allow_remote: boolean };
  tracing: { endpoint: string; sampling_rate: number };
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type FieldType = 'string' | 'bool' | 'int' | 'number' | 'string[]' | 'duration';

export interface FieldSpec {
  type: FieldType;
  doc: string;
  /** Allowed values for an enumerated string. */
  oneOf?: readonly string[];
  /** Extra check: returns the reason the value is bad, or undefined. */
  check?: (value: unknown) => string | undefined;
}

/** Fixed sections: section → key → spec. */
export const SECTIONS: Record<string, Record<string, FieldSpec>> = {
  grpc: {
    listen: { type: 'string', doc: 'CRI endpoint: unix:///path/to.sock', check: checkListen },
    max_msg_size: { type: 'int', doc: 'Largest gRPC message accepted or sent, bytes (the kubelet uses 16 MiB)', check: positive },
  },
  storage: {
    root: { type: 'string', doc: 'Persistent data: blobs, layers, image and pod metadata', check: absolute },
    state: { type: 'string', doc: 'Volatile state: sockets, pinned namespaces, exit files (lost on reboot)', check: absolute },
  },
  runtime: {
    default_handler: { type: 'string', doc: 'Runtime handler used when a pod names none' },
    conmon_path: { type: 'string', doc: 'The conmon binary monitoring each container' },
    monitor: {
      type: 'string',
      doc: 'Per-container monitor: "conmon" (conmon_path), or "berth-mon" (Berth\'s own, built next to berthd; a fraction of conmon\'s memory, docs/monitor.md)',
      oneOf: MONITOR_KINDS,
    },
    cgroup_manager: {
      type: 'string',
      doc: 'cgroup driver, reported to the kubelet (RuntimeConfig): "auto" = systemd when systemd is PID 1 on a cgroup v2 host, else cgroupfs',
      oneOf: CGROUP_DRIVER_SETTINGS,
    },
    seccomp_use_default_when_empty: {
      type: 'bool',
      doc: 'A container whose request names no seccomp profile at all runs under the default profile (as CRI-O); false: unconfined (containerd; critest expects it). The kubelet always names one.',
    },
    no_new_privs_when_empty: {
      type: 'bool',
      doc: 'Such a container (no seccomp named, not privileged) also gets no_new_privs; the CRI cannot tell an unset no_new_privs from false',
    },
  },
  network: {
    conf_dir: { type: 'string', doc: 'CNI network configurations (.conflist, .conf), first in lexical order wins', check: absolute },
    bin_dirs: { type: 'string[]', doc: 'Directories searched for CNI plugins' },
    install_default_config: { type: 'bool', doc: 'Write a bridge network config into conf_dir when it holds none (as CRI-O ships one)' },
    default_subnet: { type: 'string', doc: 'Subnet of that default bridge network', check: checkCidr },
  },
  image: {
    auth_file: { type: 'string', doc: 'Docker-style credentials file consulted when a pull carries no auth' },
    min_free_space: {
      type: 'string',
      doc: 'A layer stops unpacking when less than this would stay free on --root\'s disk (decompression bombs); "" means 5 % of the disk, at most 1Gi; "0" turns it off',
      check: (v) => (v === '' || v === '0' ? undefined : checkQuantity(v)),
    },
  },
  streaming: {
    address: { type: 'string', doc: 'Address of the exec/attach/port-forward server (loopback unless you need more)' },
    port: { type: 'int', doc: 'Its port; 0 picks a free one', check: (v) => (typeof v === 'number' && v >= 0 && v <= 65535 ? undefined : 'must be 0..65535') },
    idle_timeout: { type: 'duration', doc: 'Streams idle this long are closed' },
  },
  log: {
    level: { type: 'string', doc: 'Daemon log level', oneOf: LOG_LEVELS },
  },
  pod: {
    shm_size: { type: 'string', doc: 'Size of each pod\'s /dev/shm tmpfs (a quantity: 64Mi, 1Gi, 67108864)', check: checkQuantity },
  },
  cdi: {
    spec_dirs: {
      type: 'string[]',
      doc: 'CDI spec directories (JSON and YAML), lowest priority first: a device defined again in a later directory replaces the earlier one. Empty turns CDI off',
      check: absoluteDirs,
    },
  },
  metrics: {
    enabled: { type: 'bool', doc: 'Serve Prometheus metrics over HTTP at http://<listen>/metrics (never on the CRI socket)' },
    listen: { type: 'string', doc: 'host:port of the metrics listener', check: checkHostPort },
    allow_remote: { type: 'bool', doc: 'Allow a listen address other than loopback (metrics name images, methods and errors: expose them deliberately)' },
  },
  tracing: {
    endpoint: {
      type: 'string',
      doc: 'OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces; "" turns tracing off (the SDK is then never loaded)',
      check: (v) => (v === '' || (typeof v === 'string' && /^https?:\/\/[^/]+/.test(v)) ? undefined : 'must be "" or an http(s):// URL'),
    },
    sampling_rate: {
      type: 'number',
      doc: 'Share of calls traced when the caller sent no sampled traceparent (0..1); a caller\'s sampled flag is followed',
      check: (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'must be a number from 0 to 1'),
    },
  },
};

/** Tables of named entries: section.table.<name>.key. */
export const NAMED_TABLES: Record<string, { doc: string; fields: Record<string, FieldSpec> }> = {
  'runtime.handlers': {
    doc: 'OCI runtimes, by handler name (the RuntimeClass handler); runc and crun are preconfigured',
    fields: {
      path: { type: 'string', doc: 'Runtime binary' },
      root: { type: 'string', doc: 'Its --root; empty means <state>/<name>' },
    },
  },
  'image.registries': {
    doc: 'Per-registry settings, by registry host (docker.io, registry.k8s.io, 127.0.0.1:5000 …)',
    fields: {
      mirrors: { type: 'string[]', doc: 'Mirror endpoints tried first, in order; the registry itself is the fallback', check: checkUrls },
      insecure: { type: 'bool', doc: 'Allow plain HTTP / unverified TLS' },
    },
  },
};

export function defaultConfig(): BerthConfig {
  return {
    grpc: { listen: 'unix:///run/berth/berth.sock', max_msg_size: 16 * 1024 * 1024 },
    storage: { root: '/var/lib/berth', state: '/run/berth' },
    runtime: {
      default_handler: 'runc',
      conmon_path: 'conmon',
      monitor: 'conmon',
      cgroup_manager: 'auto',
      seccomp_use_default_when_empty: true,
      no_new_privs_when_empty: true,
      handlers: {
        runc: { path: 'runc', root: '' },
        crun: { path: 'crun', root: '' },
      },
    },
    network: {
      conf_dir: '/etc/cni/net.d',
      bin_dirs: ['/opt/cni/bin', '/usr/lib/cni'],
      install_default_config: true,
      default_subnet: '10.88.0.0/16',
    },
    image: { auth_file: '/root/.docker/config.json', min_free_space: '', registries: {} },
    streaming: { address: '127.0.0.1', port: 0, idle_timeout: '4h' },
    log: { level: 'info' },
    pod: { shm_size: '64Mi' },
    cdi: { spec_dirs: ['/etc/cdi', '/var/run/cdi'] },
    metrics: { enabled: false, listen: '127.0.0.1:9537', allow_remote: false },
    tracing: { endpoint: '', sampling_rate: 1 },
  };
}

function checkHostPort(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'must be host:port';
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(v);
  return m && Number(m[2]) <= 65535 ? undefined : 'must be host:port, e.g. 127.0.0.1:9537 or [::1]:9537';
}

function positive(v: unknown): string | undefined {
  return typeof v === 'number' && v > 0 ? undefined : 'must be a positive integer';
}

function absolute(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith('/') ? undefined : 'must be an absolute path';
}

function checkListen(v: unknown): string | undefined {
  return typeof v === 'string' && /^unix:\/\/\/./.test(v) ? undefined : 'must be unix:///absolute/path.sock';
}

function checkCidr(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'must be a CIDR';
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  if (!m) return 'must be an IPv4 CIDR such as 10.88.0.0/16';
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  return octets.every((o) => o <= 255) && bits >= 8 && bits <= 30 ? undefined : 'must be an IPv4 CIDR with a /8../30 prefix';
}

function checkQuantity(v: unknown): string | undefined {
  return typeof v === 'string' && parseQuantity(v) !== undefined && (parseQuantity(v) as number) > 0 ? undefined : 'must be a positive quantity such as 64Mi';
}

function absoluteDirs(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'must be a list of absolute paths';
  for (const d of v) if (typeof d !== 'string' || !d.startsWith('/')) return `"${String(d)}" is not an absolute path`;
  return undefined;
}

function checkUrls(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'must be a list of URLs';
  for (const u of v) {
    if (typeof u !== 'string' || !/^https?:\/\/[^/]+/.test(u)) return `"${String(u)}" is not an http(s):// URL`;
  }
  return undefined;
}
