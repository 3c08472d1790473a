// The user a container runs as: CRI run_as_user / run_as_username /
// run_as_group or the image's USER, resolved against the image's /etc/passwd
// and /etc/group (their contents are passed in), plus supplementary groups as
// containerd computes them. Pure.
import { SupplementalGroupsPolicy } from '../api/gen/api.js';
import { invalidArgument } from '../util/errors.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface UserRequest {
  runAsUser?: bigint;
  runAsUsername?: string;
  runAsGroup?: bigint;
  /** The image config's User: "", name, uid, name:group, uid:gid, uid:group, name:gid. */
  imageUser: string;
  supplementalGroups: readonly bigint[];
  supplementalGroupsPolicy: SupplementalGroupsPolicy;
  /** Contents of the image's /etc/passwd and /etc/group; undefined when the file is absent. */
  passwd?: string;
  group?: string;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Sorted, without duplicates, including the primary gid (what `id -G` shows). */
  additionalGids: number[];
  username?: string;
}

const MAX_ID = 0xfffffffe; // (uid_t)-1 means "no change" to the kernel

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length < 4 || f[0] === '' || f[0]!.startsWith('#')) continue;
    const uid = parseId(f[2]!);
    const gid = parseId(f[3]!);
    if (uid === undefined || gid === undefined) continue;
    out.push({ name: f[0]!, uid, gid, home: f[5] ?? '', shell: f[6] ?? '' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(':');
    if (f.length < 3 || f[0] === '' || f[0]!.startsWith('#')) continue;
    const gid = parseId(f[2]!);
    if (gid === undefined) continue;
    const members = (f[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '');
    out.push({ name: f[0]!, gid, members });
  }
  return out;
}

const SC = 'linux.security_context';

export function resolveUser(req: UserRequest): ResolvedUser {
  const passwd = req.passwd === undefined ? undefined : parsePasswd(req.passwd);
  const groups = req.group === undefined ? undefined : parseGroup(req.group);
  const criUser = req.runAsUsername !== undefined && req.runAsUsername !== '' ? req.runAsUsername : undefined;

  if (req.runAsGroup !== undefined && criUser === undefined && req.runAsUser === undefined) {
    throw invalidArgument('cri', `${SC}.run_as_group: set without run_as_user or run_as_username`);
  }

  // Which user and group to look up, and which field to blame.
  let userPart: string;
  let groupPart: string | undefined;
  let userField: string;
  let groupField: string;
  if (criUser !== undefined) {
    // containerd: the name wins over run_as_user when both are given.
    userPart = criUser;
    userField = `${SC}.run_as_username`;
  } else if (req.runAsUser !== undefined) {
    userPart = criId(req.runAsUser, `${SC}.run_as_user`).toString();
    userField = `${SC}.run_as_user`;
  } else {
    const colon = req.imageUser.indexOf(':');
    userPart = colon === -1 ? req.imageUser : req.imageUser.slice(0, colon);
    groupPart = colon === -1 ? undefined : req.imageUser.slice(colon + 1);
    userField = groupField = 'image config User';
  }
  if (req.runAsGroup !== undefined) {
    groupPart = criId(req.runAsGroup, `${SC}.run_as_group`).toString();
    groupField = `${SC}.run_as_group`;
  } else {
    groupField = 'image config User';
  }
  if (groupPart === '') groupPart = undefined;

  let uid: number;
  let gid: number;
  let username: string | undefined;
  const numericUid = userPart === '' ? 0 : parseId(userPart);
  if (numericUid !== undefined) {
    uid = numericUid;
    const entry = passwd?.find((p) => p.uid === uid);
    username = entry?.name;
    // A uid without a passwd entry runs with gid 0 (containerd, Docker).
    gid = entry?.gid ?? 0;
  } else {
    const entry = passwd?.find((p) => p.name === userPart);
    if (!entry) {
      const where = passwd === undefined ? 'the image has no /etc/passwd' : "not found in the image's /etc/passwd";
      throw invalidArgument('cri', `${userField}: user "${userPart}": ${where}`);
    }
    ({ uid, gid } = entry);
    username = entry.name;
  }

  if (groupPart !== undefined) {
    const numericGid = parseId(groupPart);
    if (numericGid !== undefined) gid = numericGid;
    else {
      const g = groups?.find((e) => e.name === groupPart);
      if (!g) {
        const where = groups === undefined ? 'the image has no /etc/group' : "not found in the image's /etc/group";
        throw invalidArgument('cri', `${groupField}: group "${groupPart}": ${where}`);
      }
      gid = g.gid;
    }
  }

  const extra = req.supplementalGroups.map((g, i) => criId(g, `${SC}.supplemental_groups[${i}]`));
  const ids = new Set<number>([gid, ...extra]);
  if (req.supplementalGroupsPolicy === SupplementalGroupsPolicy.Merge) {
    // Groups listing the user as a member; the group named after the user is its primary one (containerd).
    if (username !== undefined) {
      for (const g of groups ?? []) if (g.name !== username && g.members.includes(username)) ids.add(g.gid);
    }
  } else if (req.supplementalGroupsPolicy !== SupplementalGroupsPolicy.Strict) {
    throw invalidArgument('cri', `${SC}.supplemental_groups_policy: unknown value ${req.supplementalGroupsPolicy}`);
  }
  const out: ResolvedUser = { uid, gid, additionalGids: [...ids].sort((a, b) => a - b) };
  if (username !== undefined) out.username = username;
  return out;
}

function parseId(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= MAX_ID ? n : undefined;
}

function criId(v: bigint, field: string): number {
  if (v < 0n || v > BigInt(MAX_ID)) throw invalidArgument('cri', `${field}: ${v} is not a valid id (0…${MAX_ID})`);
  return Number(v);
}
