// Port-forward over a WebSocket: one TCP connection per requested port;
// port i uses channel 2i for data and 2i+1 for errors, and the server opens
// each channel with the port as two little-endian bytes. The WebSocket
// closes when every forwarded connection has ended.
import type { WebSocket } from 'ws';
import { isBase64Protocol } from '../../protocol/k8s/protocols.js';
import { encodePortPrefix } from '../../protocol/k8s/ws-channels.js';
import { ChannelMux } from '../../protocol/k8s/ws-mux.js';
import { errorMessage } from '../../util/errors.js';
import type { StreamBackend } from '../backend.js';
import { finish } from '../session.js';

export async function serveWsPortForward(
  ws: WebSocket,
  protocol: string,
  podSandboxId: string,
  ports: readonly number[],
  backend: StreamBackend,
  idleTimeoutMs: number,
): Promise<void> {
  const mux = new ChannelMux(ws, { base64: isBase64Protocol(protocol), idleTimeoutMs });
  const abort = new AbortController();
  ws.once('close', () => abort.abort());
  await Promise.all(
    ports.map(async (port, i) => {
      const data = mux.channel(2 * i);
      const error = mux.channel(2 * i + 1);
      data.write(encodePortPrefix(port));
      error.write(encodePortPrefix(port));
      try {
        await backend.portForward({ podSandboxId, port, stream: data, signal: abort.signal });
      } catch (e) {
        error.write(`error forwarding port ${port} to pod ${podSandboxId}: ${errorMessage(e)}`);
      }
      await Promise.all([finish(data), finish(error)]);
    }),
  );
  ws.close(1000);
}
