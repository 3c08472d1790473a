// Version, Status, RuntimeConfig and UpdateRuntimeConfig: what the kubelet
// asks first and then polls, answered from memory.
import { CgroupDriver, type RuntimeCondition, type RuntimeHandler } from '../api/gen/api.js';
import type { Handlers } from '../api/server.js';
import { invalidArgument } from '../util/errors.js';
import type { CriContext } from './context.js';
import { monitorDescription } from '../oci/monitor-kind.js';

/** Kubelet-facing API version string CRI runtimes report in Version.version. */
const KUBELET_API_VERSION = '0.1.0';

export function runtimeInfoHandlers(ctx: CriContext): Pick<Handlers, 'Version' | 'Status' | 'RuntimeConfig' | 'UpdateRuntimeConfig'> {
  return {
    Version: async () => ({
      version: KUBELET_API_VERSION,
      runtimeName: 'berth',
      runtimeVersion: ctx.version,
      runtimeApiVersion: 'v1',
    }),

    Status: async (req) => {
      const net = await ctx.network.get();
      const conditions: RuntimeCondition[] = [runtimeCondition(ctx), {
        type: 'NetworkReady',
        status: net.network !== undefined,
        reason: net.network ? '' : (net.reason ?? 'NetworkPluginNotReady'),
        message: net.network ? '' : (net.message ?? ''),
      }];
      const info: Record<string, string> = {};
      if (req.verbose) {
        // First: the driver in use, before the config's own (possibly "auto") setting.
        info.cgroups = JSON.stringify(ctx.cgroups);
        info.config = JSON.stringify(ctx.config);
        info.configFiles = JSON.stringify(ctx.configFiles);
        info.cniconfig = JSON.stringify(net.network ? { file: net.network.file, config: net.network.list } : { error: net.message });
        info.runtimeBinaries = JSON.stringify(ctx.binaries);
        info.apparmor = JSON.stringify(ctx.apparmorStatus());
      }
      return {
        status: { conditions },
        info,
        runtimeHandlers: runtimeHandlers(ctx),
        // Strict (only the image user's primary group and the pod's supplemental groups) is
        // honoured by container/user.ts; user namespaces on host-network pods are not.
        features: { supplementalGroupsPolicy: true, userNamespacesHostNetwork: false },
      };
    },

    RuntimeConfig: async () => ({
      // Chosen once at start-up: the kubelet reads it once and it must not change while it runs.
      linux: { cgroupDriver: ctx.cgroups.cgroupDriver === 'systemd' ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS },
    }),

    UpdateRuntimeConfig: async (req) => {
      const cidr = req.runtimeConfig?.networkConfig?.podCidr ?? '';
      if (cidr && !cidr.split(',').every((c) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(c.trim()))) {
        throw invalidArgument('cri', `runtime_config.network_config.pod_cidr: "${cidr}" is not a CIDR (or comma-separated CIDRs)`);
      }
      if (cidr) {
        ctx.runtimeConfig.podCidr = cidr;
        ctx.log.info('pod CIDR updated', { podCidr: cidr });
      }
      return {};
    },
  };
}

/**
 * Every configured handler, and the default one again under the empty name
 * (the kubelet looks a pod without RuntimeClass up as ""), each with what it
 * supports on this host: what a create with that handler accepts.
 */
function runtimeHandlers(ctx: CriContext): RuntimeHandler[] {
  const all = ctx.runtimeHandlers().map((h) => ({
    name: h.name,
    features: { recursiveReadOnlyMounts: h.features.recursiveReadOnlyMounts, userNamespaces: h.features.userNamespaces },
  }));
  const dflt = all.find((h) => h.name === ctx.config.runtime.default_handler);
  return dflt ? [{ name: '', features: { ...dflt.features } }, ...all] : all;
}

function runtimeCondition(ctx: CriContext): RuntimeCondition {
  const missing: string[] = [];
  const handler = ctx.config.runtime.default_handler;
  if (!ctx.binaries.runtime) missing.push(`OCI runtime "${ctx.config.runtime.handlers[handler]?.path ?? handler}"`);
  if (!ctx.binaries.monitor) missing.push(monitorDescription(ctx.config.runtime.monitor, ctx.config.runtime.conmon_path));
  if (missing.length === 0) return { type: 'RuntimeReady', status: true, reason: '', message: '' };
  return { type: 'RuntimeReady', status: false, reason: 'RuntimeBinaryMissing', message: `not found: ${missing.join(', ')}` };
}
