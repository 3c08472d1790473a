// Port-forward over an upgraded SPDY connection. For every forwarded TCP
// connection the client opens an `error` and a `data` stream carrying the
// same `port` and `requestid` headers (clients without requestid pair by
// stream id: data = error + 2). Each complete pair is dialled through the
// backend; failures are written on the pair's error stream. Any number of
// pairs may run at once.
import type { PortForwardRequest } from '../../api/gen/api.js';
import { StreamHeader, StreamType } from '../../protocol/k8s/protocols.js';
import { RstStatus } from '../../protocol/spdy/frames.js';
import type { SpdyConnection, SpdyStream } from '../../protocol/spdy/connection.js';
import { errorMessage } from '../../util/errors.js';
import type { StreamBackend } from '../backend.js';
import { finish } from '../session.js';
import type { SpdySessionOptions } from './exec.js';

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

export function serveSpdyPortForward(conn: SpdyConnection, req: PortForwardRequest, backend: StreamBackend, opts: SpdySessionOptions): void {
  const pairs = new Map<string, Pair>();
  const closed = new AbortController();
  let sawStream = false;
  conn.once('close', () => {
    closed.abort();
    for (const p of pairs.values()) clearTimeout(p.timer);
  });
  // A connection that never opens a stream is not kept waiting for the idle timeout.
  const firstStreamTimer = setTimeout(() => {
    if (!sawStream) conn.close();
  }, opts.streamCreationTimeoutMs);
  conn.once('close', () => clearTimeout(firstStreamTimer));

  conn.on('stream', (s: SpdyStream) => {
    sawStream = true;
    const type = s.header(StreamHeader.type);
    if (type !== StreamType.error && type !== StreamType.data) {
      s.reset(RstStatus.PROTOCOL_ERROR);
      return;
    }
    s.reply();
    const id = s.header(StreamHeader.requestId) ?? String(type === StreamType.data ? s.id - 2 : s.id);
    let pair = pairs.get(id);
    if (!pair) {
      const fresh: Pair = {
        timer: setTimeout(() => {
          pairs.delete(id);
          fresh.error?.end('timed out waiting for streams');
          fresh.data?.reset();
        }, opts.streamCreationTimeoutMs),
      };
      pairs.set(id, (pair = fresh));
    }
    if (pair[type]) {
      s.reset(RstStatus.PROTOCOL_ERROR);
      return;
    }
    pair[type] = s;
    const { error, data } = pair;
    if (!error || !data) return;
    clearTimeout(pair.timer);
    pairs.delete(id);
    void forward(error, data);
  });

  async function forward(error: SpdyStream, data: SpdyStream): Promise<void> {
    error.resume(); // the client sends nothing on it; let its FIN through
    const portText = data.header(StreamHeader.port) ?? error.header(StreamHeader.port) ?? '';
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    let failure: string | undefined;
    if (!(port >= 1 && port <= 65535)) failure = `invalid port "${portText}"`;
    else if (req.port.length > 0 && !req.port.includes(port)) failure = `port ${port} was not requested (allowed: ${req.port.join(', ')})`;
    if (!failure) {
      const abort = new AbortController();
      const onClosed = (): void => abort.abort();
      closed.signal.addEventListener('abort', onClosed, { once: true });
      // The client resetting the data stream ends this one connection.
      data.once('close', () => abort.abort());
      try {
        await backend.portForward({ podSandboxId: req.podSandboxId, port, stream: data, signal: abort.signal });
      } catch (e) {
        failure = errorMessage(e);
      } finally {
        closed.signal.removeEventListener('abort', onClosed);
      }
    }
    if (failure) {
      opts.log.debug('port-forward connection failed', { pod: req.podSandboxId, port: portText, error: failure });
      if (!error.destroyed) error.write(`error forwarding port ${portText} to pod ${req.podSandboxId}: ${failure}`);
      data.resume();
    }
    await Promise.all([finish(data), finish(error)]);
  }
}
