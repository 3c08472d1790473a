// AppArmor on this host (containerd's shape): "does the host support it" is
// one function, the default profile is rendered once and loaded lazily —
// at start-up, and again at a create that finds it gone — through one
// wrapper around apparmor_parser. Where the kernel has AppArmor but no
// parser can load the profile, containers run without one (logged, and
// shown in `berthctl info`) instead of every create failing.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { notFound } from '../util/errors.js';
import { pathExists } from '../util/fs-exists.js';
import type { Logger } from '../util/log.js';
import { runTool } from '../util/run-tool.js';
import { resolveBinary } from './binaries.js';
import { APPARMOR_DEFAULT_PROFILE, parseLoadedProfiles, renderProfile } from './apparmor-profile.js';

const SECURITYFS = '/sys/kernel/security/apparmor';
const PROFILES = `${SECURITYFS}/profiles`;
const ENABLED = '/sys/module/apparmor/parameters/enabled';
const PARSER_TIMEOUT_MS = 60_000;

export interface AppArmorHost {
  /** The kernel enforces AppArmor (module enabled, securityfs present). */
  kernel: boolean;
  /** apparmor_parser, when installed. */
  parser: string | undefined;
  /** Debian's apparmor package's include files exist. */
  tunables: boolean;
  baseAbstraction: boolean;
}

export async function detectAppArmor(): Promise<AppArmorHost> {
  const enabled = (await readFile(ENABLED, 'utf8').catch(() => 'N')).trim().startsWith('Y');
  const kernel = enabled && (await pathExists(SECURITYFS));
  return {
    kernel,
    parser: kernel ? await resolveBinary('apparmor_parser') : undefined,
    tunables: await pathExists('/etc/apparmor.d/tunables/global'),
    baseAbstraction: await pathExists('/etc/apparmor.d/abstractions/base'),
  };
}

/** What `berthctl info` shows. */
export interface AppArmorStatus {
  enabled: boolean;
  parser: string;
  /** The profile RuntimeDefault gets; "" when containers run without one. */
  defaultProfile: string;
  note: string;
}

export class AppArmor {
  private readonly profileText: string;
  private readonly file: string;
  private defaultLoaded = false;
  private note = '';
  /** The start-up load, in flight: berthd serves meanwhile (apparmor_parser takes seconds), creates wait for it. */
  private startup: Promise<void> = Promise.resolve();

  private constructor(
    readonly host: AppArmorHost,
    dir: string,
    private readonly log: Logger,
  ) {
    this.profileText = renderProfile({ name: APPARMOR_DEFAULT_PROFILE, tunables: host.tunables, baseAbstraction: host.baseAbstraction });
    this.file = join(dir, APPARMOR_DEFAULT_PROFILE);
  }

  /**
   * Detects the host and starts loading the default profile when it is
   * missing or outdated (not awaited: the first create that needs it waits).
   * `dir` keeps the rendered profile.
   */
  static async init(dir: string, log: Logger): Promise<AppArmor> {
    const aa = new AppArmor(await detectAppArmor(), dir, log);
    if (aa.host.kernel) {
      aa.note = `loading ${APPARMOR_DEFAULT_PROFILE}`;
      aa.startup = aa.ensureDefault(true).catch((e: unknown) => {
        aa.note = `cannot load ${APPARMOR_DEFAULT_PROFILE}: ${e instanceof Error ? e.message : String(e)}`;
        log.warn(aa.note);
      });
    }
    return aa;
  }

  get enabled(): boolean {
    return this.host.kernel;
  }

  /** The default profile's name when containers can run under it. */
  get defaultProfile(): string | undefined {
    return this.defaultLoaded ? APPARMOR_DEFAULT_PROFILE : undefined;
  }

  status(): AppArmorStatus {
    return { enabled: this.host.kernel, parser: this.host.parser ?? '', defaultProfile: this.defaultProfile ?? '', note: this.note };
  }

  /**
   * At create: the profile the spec names, checked against the kernel's
   * list. The default is reloaded if it disappeared (undefined = run without,
   * when it cannot be); a Localhost profile that is not loaded is NotFound.
   */
  async profileForCreate(profile: string | undefined, field: string): Promise<string | undefined> {
    if (!profile || profile === 'unconfined' || !this.host.kernel) return profile;
    if (profile === APPARMOR_DEFAULT_PROFILE) {
      await this.startup;
      await this.ensureDefault(false);
      return this.defaultProfile;
    }
    if (!(await this.loaded()).has(profile)) throw notFound('runtime', `${field}: AppArmor profile "${profile}" is not loaded on this node`);
    return profile;
  }

  private async loaded(): Promise<Map<string, string>> {
    return parseLoadedProfiles(await readFile(PROFILES, 'utf8').catch(() => ''));
  }

  /** Loads the default when it is not loaded, or (at start-up) when what was loaded is not what we render now. */
  private async ensureDefault(startup: boolean): Promise<void> {
    const isLoaded = (await this.loaded()).has(APPARMOR_DEFAULT_PROFILE);
    const current = isLoaded && (await readFile(this.file, 'utf8').catch(() => '')) === this.profileText;
    if (isLoaded && (current || !startup)) {
      this.defaultLoaded = true;
      if (this.note.startsWith('loading ')) this.note = '';
      return;
    }
    if (!this.host.parser) {
      this.defaultLoaded = isLoaded;
      const note = isLoaded
        ? `apparmor_parser is not installed: ${APPARMOR_DEFAULT_PROFILE} is used as loaded`
        : `apparmor_parser is not installed and ${APPARMOR_DEFAULT_PROFILE} is not loaded: containers run without an AppArmor profile`;
      if (note !== this.note) this.log.warn(note); // once, not at every create
      this.note = note;
      return;
    }
    await mkdir(join(this.file, '..'), { recursive: true, mode: 0o700 });
    await writeFile(this.file, this.profileText, { mode: 0o600 });
    try {
      // -K: skip the cache (our file is the source); -r: replace a loaded one.
      await runTool({ layer: 'runtime', cmd: this.host.parser, args: ['-Kr', this.file], timeoutMs: PARSER_TIMEOUT_MS });
      this.defaultLoaded = true;
      this.note = '';
      this.log.info('AppArmor profile loaded', { profile: APPARMOR_DEFAULT_PROFILE, sha256: createHash('sha256').update(this.profileText).digest('hex').slice(0, 12) });
    } catch (e) {
      this.defaultLoaded = isLoaded;
      this.note = `cannot load ${APPARMOR_DEFAULT_PROFILE}: ${e instanceof Error ? e.message : String(e)}`;
      this.log.warn(this.note);
    }
  }
}
