// Which seccomp profile, AppArmor profile and SELinux labels a container gets,
// from the CRI security context (both the SecurityProfile messages and the
// deprecated string fields). Pure: the caller loads the files it names.
import { SecurityProfile_ProfileType, type SecurityProfile, type SELinuxOption } from '../api/gen/api.js';
import { APPARMOR_DEFAULT_PROFILE } from '../oci/apparmor-profile.js';
import { invalidArgument, notFound } from '../util/errors.js';

export type SeccompChoice = { kind: 'unconfined' } | { kind: 'runtime-default' } | { kind: 'localhost'; path: string };

export { APPARMOR_DEFAULT_PROFILE };

const LOCALHOST = 'localhost/';
const SC = 'linux.security_context';

/**
 * The seccomp decision: privileged → unconfined; the `seccomp` message when
 * set; else the deprecated `seccomp_profile_path` ("" and "unconfined" →
 * unconfined, "runtime/default" and "docker/default" → the default,
 * "localhost/<absolute path>"); `whenUnset` applies when neither is given
 * (containerd's unset_seccomp_profile, default unconfined).
 */
export function resolveSeccompChoice(o: {
  privileged: boolean;
  seccomp: SecurityProfile | undefined;
  seccompProfilePath: string;
  whenUnset?: 'unconfined' | 'runtime-default';
}): SeccompChoice {
  if (o.privileged) return { kind: 'unconfined' };
  const sp = o.seccomp ?? profileFromPath(o.seccompProfilePath, `${SC}.seccomp_profile_path`);
  if (!sp) return { kind: o.whenUnset ?? 'unconfined' };
  const field = o.seccomp ? `${SC}.seccomp` : `${SC}.seccomp_profile_path`;
  switch (sp.profileType) {
    case SecurityProfile_ProfileType.Unconfined:
      onlyLocalhostHasRef(sp, field);
      return { kind: 'unconfined' };
    case SecurityProfile_ProfileType.RuntimeDefault:
      onlyLocalhostHasRef(sp, field);
      return { kind: 'runtime-default' };
    case SecurityProfile_ProfileType.Localhost: {
      const path = trimLocalhost(sp.localhostRef);
      if (!path.startsWith('/')) throw invalidArgument('cri', `${field}.localhost_ref: "${sp.localhostRef}" must be an absolute path to a profile`);
      return { kind: 'localhost', path };
    }
    default:
      throw invalidArgument('cri', `${field}.profile_type: unknown value ${sp.profileType}`);
  }
}

/** True when the request names no seccomp profile in either form: the case the daemon's defaults decide. */
export function seccompUnset(sc: { seccomp?: SecurityProfile; seccompProfilePath?: string } | undefined): boolean {
  return sc?.seccomp === undefined && (sc?.seccompProfilePath ?? '') === '';
}

/**
 * The daemon's confinement policy for a request that names no seccomp
 * profile (the kubelet always names one, Unconfined by default, so this
 * serves crictl and other direct clients): the default profile and
 * no_new_privs, each switchable, never for a privileged container. A
 * request that names any profile is taken as it is.
 */
export function confinementWhenUnset(o: {
  privileged: boolean;
  securityContext: { seccomp?: SecurityProfile; seccompProfilePath?: string } | undefined;
  seccompDefault: boolean;
  noNewPrivsDefault: boolean;
}): { whenUnset: 'unconfined' | 'runtime-default'; forceNoNewPrivs: boolean } {
  const applies = !o.privileged && seccompUnset(o.securityContext);
  return {
    whenUnset: applies && o.seccompDefault ? 'runtime-default' : 'unconfined',
    forceNoNewPrivs: applies && o.noNewPrivsDefault,
  };
}

/**
 * The AppArmor profile to run under, or undefined for none. Ignored cleanly
 * when the host has no AppArmor, except a Localhost profile, which cannot be
 * honoured there (NotFound naming it). Unset means the runtime default
 * (kubernetes#51746); privileged drops the default but keeps a Localhost one.
 * Whether the named profile is loaded is the caller's check (oci/apparmor.ts).
 */
export function resolveApparmorProfile(o: {
  privileged: boolean;
  apparmor: SecurityProfile | undefined;
  apparmorProfile: string;
  hostHasApparmor: boolean;
}): string | undefined {
  const field = o.apparmor ? `${SC}.apparmor` : `${SC}.apparmor_profile`;
  const sp = o.apparmor ?? profileFromPath(o.apparmorProfile, field) ?? { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: '' };
  if (!o.hostHasApparmor) {
    if (sp.profileType !== SecurityProfile_ProfileType.Localhost) return undefined;
    throw notFound('runtime', `${field}: AppArmor profile "${trimLocalhost(sp.localhostRef)}" cannot be applied: AppArmor is not enabled on this node`);
  }
  switch (sp.profileType) {
    case SecurityProfile_ProfileType.Unconfined:
      onlyLocalhostHasRef(sp, field);
      return 'unconfined';
    case SecurityProfile_ProfileType.RuntimeDefault:
      onlyLocalhostHasRef(sp, field);
      // Explicit, so containers do not inherit whatever confines berthd/conmon.
      return o.privileged ? 'unconfined' : APPARMOR_DEFAULT_PROFILE;
    case SecurityProfile_ProfileType.Localhost: {
      const name = trimLocalhost(sp.localhostRef);
      if (name === '') throw invalidArgument('cri', `${field}.localhost_ref: names no profile`);
      return name;
    }
    default:
      throw invalidArgument('cri', `${field}.profile_type: unknown value ${sp.profileType}`);
  }
}

/** The deprecated string forms; undefined for "". */
function profileFromPath(path: string, field: string): SecurityProfile | undefined {
  switch (path) {
    case '':
      return undefined;
    case 'runtime/default':
    case 'docker/default':
      return { profileType: SecurityProfile_ProfileType.RuntimeDefault, localhostRef: '' };
    case 'unconfined':
      return { profileType: SecurityProfile_ProfileType.Unconfined, localhostRef: '' };
    default:
      if (!path.startsWith(LOCALHOST)) {
        throw invalidArgument('cri', `${field}: "${path}" is not one of "", unconfined, runtime/default, docker/default, localhost/<profile>`);
      }
      return { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: path.slice(LOCALHOST.length) };
  }
}

function onlyLocalhostHasRef(sp: SecurityProfile, field: string): void {
  if (sp.localhostRef !== '') throw invalidArgument('cri', `${field}.localhost_ref: only allowed with profile_type Localhost`);
}

function trimLocalhost(ref: string): string {
  return ref.startsWith(LOCALHOST) ? ref.slice(LOCALHOST.length) : ref;
}

export interface SelinuxLabels {
  processLabel?: string;
  mountLabel?: string;
}

/**
 * SELinux labels when the host enforces SELinux: the host's base labels
 * (from its policy, looked up by the caller) with the CRI options laid over
 * them — user/role/type/level on the process label, user and level on the
 * mount label (go-selinux InitLabels). Container options win over the pod's.
 * Privileged containers keep the runtime's own label.
 */
export function selinuxLabels(o: {
  hostHasSelinux: boolean;
  privileged: boolean;
  container: SELinuxOption | undefined;
  pod: SELinuxOption | undefined;
  base: { processLabel: string; mountLabel: string } | undefined;
}): SelinuxLabels {
  if (!o.hostHasSelinux || o.privileged || !o.base) return {};
  const opts = hasAny(o.container) ? o.container : hasAny(o.pod) ? o.pod : undefined;
  if (!opts) return { processLabel: o.base.processLabel, mountLabel: o.base.mountLabel };
  const proc = splitLabel(o.base.processLabel);
  const mount = splitLabel(o.base.mountLabel);
  if (opts.user) proc.user = mount.user = opts.user;
  if (opts.role) proc.role = opts.role;
  if (opts.type) proc.type = opts.type;
  if (opts.level) proc.level = mount.level = opts.level;
  return { processLabel: joinLabel(proc), mountLabel: joinLabel(mount) };
}

function hasAny(o: SELinuxOption | undefined): o is SELinuxOption {
  return !!o && (o.user !== '' || o.role !== '' || o.type !== '' || o.level !== '');
}

interface Label {
  user: string;
  role: string;
  type: string;
  level: string;
}

/** user:role:type[:level], where the level itself may contain ':' (s0:c1,c2). */
function splitLabel(label: string): Label {
  const [user = '', role = '', type = '', ...level] = label.split(':');
  return { user, role, type, level: level.join(':') };
}

function joinLabel(l: Label): string {
  return [l.user, l.role, l.type, ...(l.level ? [l.level] : [])].join(':');
}
