// The container process: argv, environment and working directory, from the
// CRI config merged with the image config the way the kubelet expects (the
// Docker rules containerd and CRI-O implement). Pure.
import type { ContainerConfig } from '../api/gen/api.js';
import { invalidArgument } from '../util/errors.js';

/** The fields of an OCI image config's "config" object that shape the process (capitalised as in the image). */
export interface ImageProcessConfig {
  User?: string;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  StopSignal?: string;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * command replaces the Entrypoint and drops the image Cmd; args replace the
 * Cmd; with neither, Entrypoint + Cmd. An image ENTRYPOINT [""] means none.
 */
export function processArgs(config: Pick<ContainerConfig, 'command' | 'args'>, image: ImageProcessConfig): string[] {
  let command = [...config.command];
  let args = [...config.args];
  if (command.length === 0) {
    if (args.length === 0) args = [...(image.Cmd ?? [])];
    const entrypoint = image.Entrypoint ?? [];
    if (!(entrypoint.length === 1 && entrypoint[0] === '')) command = [...entrypoint];
  }
  const argv = [...command, ...args];
  if (argv.length === 0) {
    throw invalidArgument('cri', 'command: no command given, and the image has neither Entrypoint nor Cmd');
  }
  return argv;
}

/**
 * PATH (default, replaced by the image's), TERM=xterm for a TTY, HOSTNAME,
 * then the image Env, then the CRI envs; a later value replaces an earlier
 * one of the same key in place, as containerd's WithEnv does.
 */
export function processEnv(o: { config: Pick<ContainerConfig, 'envs' | 'tty'>; image: ImageProcessConfig; hostname: string }): string[] {
  const env = new EnvList();
  env.set('PATH', DEFAULT_PATH);
  if (o.config.tty) env.set('TERM', 'xterm');
  env.set('HOSTNAME', o.hostname);
  for (const entry of o.image.Env ?? []) {
    const eq = entry.indexOf('=');
    // A bare KEY in an image removes it (Docker semantics).
    if (eq <= 0) env.delete(eq === 0 ? '' : entry);
    else env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  o.config.envs.forEach((kv, i) => {
    if (kv.key === '' || kv.key.includes('=')) {
      throw invalidArgument('cri', `envs[${i}].key: "${kv.key}" is not a valid variable name`);
    }
    env.set(kv.key, kv.value);
  });
  return env.toArray();
}

/** working_dir, else the image WorkingDir, else "/"; runc needs it absolute. */
export function processCwd(config: Pick<ContainerConfig, 'workingDir'>, image: ImageProcessConfig): string {
  if (config.workingDir !== '') {
    if (!config.workingDir.startsWith('/')) throw invalidArgument('cri', `working_dir: "${config.workingDir}" must be absolute`);
    return config.workingDir;
  }
  const wd = image.WorkingDir ?? '';
  if (wd === '') return '/';
  if (!wd.startsWith('/')) throw invalidArgument('cri', `image config WorkingDir: "${wd}" must be absolute`);
  return wd;
}

/** Ordered KEY=value list where setting an existing key keeps its position. */
class EnvList {
  private readonly values = new Map<string, string>();

  set(key: string, value: string): void {
    this.values.set(key, value);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  toArray(): string[] {
    return [...this.values].map(([k, v]) => `${k}=${v}`);
  }
}
