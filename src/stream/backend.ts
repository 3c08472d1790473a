// What the streaming server needs from the container subsystem. The server
// speaks the protocols (SPDY, WebSocket), negotiates, waits for the client's
// streams and reports the outcome; a backend only runs things against plain
// Node streams. The container subsystem implements it (runc exec under
// conmon, conmon's attach socket and ctl fifo, a helper in the pod's network
// namespace); the unit tests implement it with local processes and sockets.
import type { Duplex, Readable, Writable } from 'node:stream';
import type { TerminalSize } from '../protocol/k8s/resize.js';

export type { TerminalSize } from '../protocol/k8s/resize.js';

/** The client's side of one exec or attach session, as plain streams. */
export interface StreamIO {
  /**
   * The client's input, present when the request asked for stdin. Its 'end'
   * is the client closing stdin: pass it on as EOF (close the process's
   * stdin / the pty's input side), do not end the session.
   */
  stdin?: Readable;
  /**
   * The process's stdout (with tty: the terminal). Honour backpressure
   * (write() → false: wait for 'drain'). The backend may end() it; the
   * server ends it after the call settles in any case.
   */
  stdout?: Writable;
  /** The process's stderr; never present with tty (a terminal has one output). */
  stderr?: Writable;
  /** Allocate a terminal (pty) for the process (exec), or the container has one (attach). */
  tty: boolean;
  /**
   * Terminal size changes, in order, with tty (and a client that sends them).
   * The first usually comes right after the session starts: use it as the
   * initial size when it is there before the process is created. Finishes
   * when the session ends; a single consumer.
   */
  resize?: AsyncIterable<TerminalSize>;
  /**
   * Aborted when the client disconnects, resets the session or it times out.
   * exec: kill the process (and what it started), then settle.
   * attach: detach (the container keeps running), then settle.
   */
  signal: AbortSignal;
}

export interface ExecSession extends StreamIO {
  containerId: string;
  cmd: string[];
}

export interface AttachSession extends StreamIO {
  containerId: string;
}

export interface PortForwardSession {
  podSandboxId: string;
  /** A TCP port inside the pod, 1–65535. */
  port: number;
  /**
   * The client's byte stream for this one connection. Copy it both ways with
   * half-close: its 'end' → shut down the write side of the pod socket; the
   * pod socket's end → stream.end().
   */
  stream: Duplex;
  /** Aborted when the client goes away: close the pod connection. */
  signal: AbortSignal;
}

export interface StreamBackend {
  /**
   * Runs cmd in the running container (the OCI runtime's exec; a pty with
   * tty, pipes otherwise). Resolves with the exit code (death by signal:
   * 128 + signal) once the process exited AND all its output has been
   * written to stdout/stderr. Rejects (a BerthError naming the layer) when
   * the process could not be started; the message reaches the client.
   */
  exec(session: ExecSession): Promise<{ exitCode: number }>;

  /**
   * Attaches to the container's main process (conmon's attach socket;
   * resize through its ctl fifo). Resolves when the container exits or the
   * signal aborts. With stdin_once, the container's stdin closes when the
   * first attach's stdin ends.
   */
  attach(session: AttachSession): Promise<void>;

  /**
   * Connects to the port inside the pod's network namespace (127.0.0.1,
   * then [::1]; the host's for hostNetwork pods) and copies both ways until
   * both directions ended. Rejects when it cannot connect or the copy fails:
   * the message is written on the client's error stream for that connection.
   */
  portForward(session: PortForwardSession): Promise<void>;

  /** Used by the Exec/Attach/PortForward RPCs before a URL is handed out. */
  containerExists(containerId: string): Promise<boolean>;
  containerRunning(containerId: string): Promise<boolean>;
  podExists(podSandboxId: string): Promise<boolean>;
}
