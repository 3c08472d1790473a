// Errors that cross layers. Every failure names the layer it came from so that
// the CRI error a user sees says where a pod or container went wrong.

/** gRPC status codes (numbers are the wire values); kept here so lower layers need no gRPC import. */
export enum Code {
  OK = 0,
  Cancelled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
}

export type Layer =
  | 'api'
  | 'cri'
  | 'config'
  | 'image'
  | 'network'
  | 'runtime'
  | 'monitor'
  | 'storage'
  | 'stream'
  | 'stats'
  | 'cgroups'
  | 'client';

export class BerthError extends Error {
  constructor(
    readonly code: Code,
    readonly layer: Layer,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${layer}: ${message}`, options);
    this.name = 'BerthError';
  }
}

export const invalidArgument = (layer: Layer, msg: string): BerthError => new BerthError(Code.InvalidArgument, layer, msg);
export const notFound = (layer: Layer, msg: string): BerthError => new BerthError(Code.NotFound, layer, msg);
export const failedPrecondition = (layer: Layer, msg: string): BerthError =>
  new BerthError(Code.FailedPrecondition, layer, msg);
export const internal = (layer: Layer, msg: string, cause?: unknown): BerthError =>
  new BerthError(Code.Internal, layer, msg, { cause });

/** Message of any thrown value, for wrapping foreign errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Node system errors carry a `code` such as ENOENT. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
