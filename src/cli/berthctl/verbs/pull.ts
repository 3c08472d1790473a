// berthctl pull NAME[:TAG|@DIGEST]: crictl's pull, with --creds / --auth /
// --username / --password, printing "Image is up to date for <id>".
import { PullImage } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';

export const verb: Verb = {
  summary: 'Pull an image from a registry',
  usage: `Usage: berthctl pull [command options] NAME[:TAG|@DIGEST]

Options:
  --auth AUTH_STRING            Use AUTH_STRING for accessing the registry. AUTH_STRING is a base64 encoded 'USERNAME[:PASSWORD]'
  --creds USERNAME[:PASSWORD]   Use USERNAME[:PASSWORD] for accessing the registry
  --username value, -u value    Use USERNAME for accessing the registry (password asked with --password)
  --password value              Use PASSWORD for accessing the registry`,
  async run(ctx, args) {
    const o: { auth?: string; creds?: string; username?: string; password?: string } = {};
    const positional: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      const key = ({ '--auth': 'auth', '--creds': 'creds', '--username': 'username', '-u': 'username', '--password': 'password' } as const)[flag as '--auth'];
      if (key) {
        const v = inline ?? args[++i];
        if (v === undefined) throw new UsageError(`pull: ${flag} needs a value`);
        o[key] = v;
      } else if (a.startsWith('-')) throw new UsageError(`pull: unknown flag ${a}`);
      else positional.push(a);
    }
    if (positional.length !== 1) throw new UsageError('pull: give exactly one image name');
    let username = o.username ?? '';
    let password = o.password ?? '';
    if (o.creds !== undefined) {
      const i = o.creds.indexOf(':');
      username = i < 0 ? o.creds : o.creds.slice(0, i);
      password = i < 0 ? '' : o.creds.slice(i + 1);
    }
    const auth = o.auth !== undefined || username ? { username, password, auth: o.auth ?? '', serverAddress: '', identityToken: '', registryToken: '' } : undefined;
    const res = await ctx.image.call(PullImage, { image: { image: positional[0] as string, annotations: {}, userSpecifiedImage: '', runtimeHandler: '', imageRef: '' }, auth, sandboxConfig: undefined });
    ctx.print(`Image is up to date for ${res.imageRef}`);
  },
};
