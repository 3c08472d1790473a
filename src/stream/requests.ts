// The cached RPC requests a token stands for, and their validation (shared by
// the CRI handlers and the prepare* functions, so a bad request never gets a URL).
import type { AttachRequest, ExecRequest, PortForwardRequest } from '../api/gen/api.js';
import { invalidArgument } from '../util/errors.js';

export type StreamKind = 'exec' | 'attach' | 'portforward';

export type CachedRequest =
  | { kind: 'exec'; req: ExecRequest }
  | { kind: 'attach'; req: AttachRequest }
  | { kind: 'portforward'; req: PortForwardRequest };

export type ExecLikeRequest = Extract<CachedRequest, { kind: 'exec' | 'attach' }>;

export function validateExecRequest(req: ExecRequest): void {
  if (!req.containerId) throw invalidArgument('stream', 'Exec: container_id is required');
  if (req.cmd.length === 0 || req.cmd[0] === '') throw invalidArgument('stream', 'Exec: cmd is required');
  validateStdio('Exec', req);
}

export function validateAttachRequest(req: AttachRequest): void {
  if (!req.containerId) throw invalidArgument('stream', 'Attach: container_id is required');
  validateStdio('Attach', req);
}

export function validatePortForwardRequest(req: PortForwardRequest): void {
  if (!req.podSandboxId) throw invalidArgument('stream', 'PortForward: pod_sandbox_id is required');
  for (const p of req.port) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw invalidArgument('stream', `PortForward: port ${p} is not in 1-65535`);
  }
}

function validateStdio(rpc: string, req: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): void {
  if (req.tty && req.stderr) throw invalidArgument('stream', `${rpc}: tty and stderr cannot both be true (a terminal has one output)`);
  if (!req.stdin && !req.stdout && !req.stderr) throw invalidArgument('stream', `${rpc}: one of stdin, stdout or stderr must be set`);
}
