// AppArmor helpers for the guest tests (test/v2/apparmor-*.test.ts): what the
// kernel says about a process's confinement, and a running container set up
// so that only its AppArmor profile decides whether a mount is allowed.
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { ContainerConfig, SecurityProfile_ProfileType } from '../../src/api/gen/api.js';
import { ExecSync } from '../../src/api/methods.js';
import { ctrConfig } from './reliability.js';
import type { V2Stack } from './v2-guest.js';

/** Berth's default profile, as the kernel lists it once loaded (docs/architecture.md, Container spec). */
export const DEFAULT_PROFILE = 'berth-default';

export async function apparmorEnabled(): Promise<boolean> {
  return (await readFile('/sys/module/apparmor/parameters/enabled', 'utf8').catch(() => 'N')).trim() === 'Y';
}

export async function hasApparmorParser(): Promise<boolean> {
  for (const p of ['/sbin/apparmor_parser', '/usr/sbin/apparmor_parser']) {
    if (await access(p).then(() => true, () => false)) return true;
  }
  return false;
}

/** The confinement of a process: "unconfined" or "<profile> (enforce|complain)". */
export async function confinementOf(pid: number): Promise<string> {
  const attr = await readFile(`/proc/${pid}/attr/apparmor/current`, 'utf8').catch(() => readFile(`/proc/${pid}/attr/current`, 'utf8'));
  return attr.replace(/\0/g, '').trim();
}

export type ApparmorChoice = { profileType: SecurityProfile_ProfileType; localhostRef: string } | undefined;

/**
 * A sleeping container with CAP_SYS_ADMIN and seccomp unconfined, so the
 * capability and seccomp allow mount(2): whether a tmpfs mount succeeds then
 * depends on AppArmor alone (containers' default profiles deny mount).
 */
export function mountProbeConfig(s: V2Stack, name: string, apparmor: ApparmorChoice): ContainerConfig {
  return ctrConfig(s.reg.busybox, name, ['sleep', '100000'], {
    linux: {
      securityContext: {
        capabilities: { addCapabilities: ['SYS_ADMIN'] },
        seccomp: { profileType: SecurityProfile_ProfileType.Unconfined, localhostRef: '' },
        ...(apparmor ? { apparmor } : {}),
      },
    },
  });
}

/** Tries a tmpfs mount inside the container; returns the exit code and output. */
export async function tryMount(s: V2Stack, id: string): Promise<{ code: number; out: string }> {
  const r = await s.n.d.client.call(ExecSync, { containerId: id, cmd: ['sh', '-c', 'mkdir -p /tmp/m && mount -t tmpfs none /tmp/m && echo mounted'], timeout: 30n });
  return { code: r.exitCode, out: Buffer.from(r.stdout).toString() + Buffer.from(r.stderr).toString() };
}

export async function assertPreconditions(want: { parser: boolean }): Promise<void> {
  assert.equal(await apparmorEnabled(), true, 'the guest kernel has AppArmor enabled (stock Debian kernel)');
  assert.equal(await hasApparmorParser(), want.parser, want.parser ? 'apparmor_parser installed (run.sh --apparmor)' : 'no apparmor_parser (plain image)');
}
