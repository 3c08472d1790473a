// berthctl port-forward: crictl's port-forward. Listens on local ports and
// forwards every connection into the pod until interrupted. SPDY carries all
// connections over one streaming session; WebSocket needs a fresh
// PortForward URL per connection (tokens are single use).
import { PortForward } from '../../../api/methods.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { parseTransport } from '../../common/stream-session.js';
import { parseFlags } from './flags.js';

export const verb: Verb = {
  summary: 'Forward local port to a pod',
  usage: `Usage: berthctl port-forward [command options] POD-ID [LOCAL_PORT:]REMOTE_PORT [...]

Options:
  --address value     Local address to listen on (default: 127.0.0.1)
  --transport value   Streaming transport: spdy or websocket (default: spdy)`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('port-forward', args, { address: { kind: 'string' }, transport: { kind: 'string' } });
    const [pod, ...specs] = positional;
    if (!pod || specs.length === 0) throw new UsageError('port-forward: a pod ID and at least one [LOCAL_PORT:]REMOTE_PORT are required');
    const forwards = specs.map(parsePortSpec);
    const address = (flags.address as string | undefined) ?? '127.0.0.1';
    const transport = parseTransport('port-forward', flags.transport);
    const remotePorts = [...new Set(forwards.map((f) => f.remotePort))];
    const newUrl = async (): Promise<string> => (await ctx.runtime.call(PortForward, { podSandboxId: pod, port: remotePorts })).url;
    const { listenForwards, SpdyPortForwarder, forwardOverWebSocket } = await import('../../../client/stream/portforward-client.js');

    const firstUrl = await newUrl(); // checks the pod exists before listening
    const spdy = transport === 'spdy' ? await SpdyPortForwarder.dial(firstUrl) : undefined;
    const forward = spdy
      ? (socket: import('node:net').Socket, port: number) => spdy.forward(socket, port)
      : async (socket: import('node:net').Socket, port: number) => forwardOverWebSocket(await newUrl(), socket, port);
    const local = await listenForwards(forwards, address, forward, (m) => process.stderr.write(`E: ${m}\n`));
    for (const f of local.bound) ctx.print(`Forwarding from ${address.includes(':') ? `[${address}]` : address}:${f.localPort} -> ${f.remotePort}`);

    const reason = await new Promise<string | undefined>((resolve) => {
      const stop = (): void => resolve(undefined);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      spdy?.conn.once('close', () => resolve('the streaming connection closed'));
    });
    local.close();
    spdy?.close();
    if (reason) throw new Error(`port-forward: ${reason}`);
  },
};

export function parsePortSpec(spec: string): { localPort: number; remotePort: number } {
  const m = /^(?:(\d{0,5}):)?(\d{1,5})$/.exec(spec);
  const remote = Number(m?.[2]);
  const local = m?.[1] === undefined ? remote : m[1] === '' ? 0 : Number(m[1]);
  if (!m || !(remote >= 1 && remote <= 65535) || !(local >= 0 && local <= 65535)) {
    throw new UsageError(`port-forward: "${spec}" is not [LOCAL_PORT:]REMOTE_PORT (ports 1-65535; LOCAL_PORT 0 or empty picks a free one)`);
  }
  return { localPort: local, remotePort: remote };
}
