// The local terminal for `exec -t` / `attach -t`: raw mode (keys go to the
// remote process as typed, Ctrl-C included) and the window size, sent at
// start and on every SIGWINCH (Node turns it into the stdout 'resize' event).
import { ResizeQueue } from '../../protocol/k8s/resize-queue.js';

export interface LocalTerminal {
  /** Sizes to send: the current one first, then each change. */
  resize: ResizeQueue;
  /** Leaves raw mode and stops watching the size. Idempotent. */
  restore(): void;
}

export function openTerminal(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout): LocalTerminal {
  const resize = new ResizeQueue();
  const push = (): void => {
    if (output.isTTY && output.columns && output.rows) resize.push({ width: output.columns, height: output.rows });
  };
  push();
  output.on('resize', push);
  const wasRaw = input.isTTY ? input.isRaw : false;
  if (input.isTTY) input.setRawMode(true);
  let restored = false;
  return {
    resize,
    restore: () => {
      if (restored) return;
      restored = true;
      output.off('resize', push);
      resize.end();
      if (input.isTTY) input.setRawMode(wasRaw);
    },
  };
}
