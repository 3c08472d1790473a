// Exec and attach over a WebSocket: fixed channels (0 stdin, 1 stdout,
// 2 stderr, 3 error, 4 resize), no stream set-up to wait for. v4+ report a
// JSON Status on channel 3, older protocols plain error text; v5 clients can
// close stdin with [255, 0].
import type { WebSocket } from 'ws';
import { Channel, isBase64Protocol } from '../../protocol/k8s/protocols.js';
import { parseResize } from '../../protocol/k8s/resize.js';
import { encodeOutcome } from '../../protocol/k8s/status.js';
import { ChannelMux } from '../../protocol/k8s/ws-mux.js';
import type { StreamBackend } from '../backend.js';
import { ResizeQueue } from '../../protocol/k8s/resize-queue.js';
import type { ExecLikeRequest } from '../requests.js';
import { runSession } from '../session.js';

export function wsProtocolVersion(protocol: string): number {
  const m = /^v(\d+)\./.exec(protocol);
  return m ? Number(m[1]) : 1;
}

export async function serveWsExec(ws: WebSocket, protocol: string, cached: ExecLikeRequest, backend: StreamBackend, idleTimeoutMs: number): Promise<void> {
  const { req } = cached;
  const version = wsProtocolVersion(protocol);
  const mux = new ChannelMux(ws, { base64: isBase64Protocol(protocol), idleTimeoutMs });
  const abort = new AbortController();
  ws.once('close', () => abort.abort());

  let resize: ResizeQueue | undefined;
  if (req.tty) {
    const queue = (resize = new ResizeQueue());
    // One JSON object per message.
    mux.channel(Channel.resize).on('data', (m: Buffer) => {
      const size = parseResize(m.toString('utf8'));
      if (size) queue.push(size);
    });
  }
  const outcome = await runSession(
    backend,
    cached,
    {
      ...(req.stdin ? { stdin: mux.channel(Channel.stdin) } : {}),
      ...(req.stdout ? { stdout: mux.channel(Channel.stdout) } : {}),
      ...(req.stderr && !req.tty ? { stderr: mux.channel(Channel.stderr) } : {}),
      ...(resize ? { resize } : {}),
    },
    abort.signal,
  );
  const report = encodeOutcome(outcome, version, cached.kind === 'exec' ? cached.req.cmd : []);
  if (report.length) await new Promise<void>((resolve) => mux.channel(Channel.error).write(report, () => resolve()));
  ws.close(1000);
}
