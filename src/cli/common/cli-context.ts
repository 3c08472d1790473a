// What every CLI verb gets: resolved endpoints, lazily created clients,
// output helpers. Verbs are loaded on demand, so this module stays light.
import { CriClient } from '../../client/cri-client.js';
import { resolveEndpoints, type EndpointInputs, type ResolvedEndpoints } from './endpoint.js';

export class CliContext {
  private runtimeClient: CriClient | undefined;
  private imageClient: CriClient | undefined;

  constructor(
    readonly endpoints: ResolvedEndpoints,
    readonly out: (text: string) => void = (t) => process.stdout.write(t),
  ) {}

  get runtime(): CriClient {
    this.runtimeClient ??= new CriClient(this.endpoints.runtime, this.endpoints.timeoutMs);
    return this.runtimeClient;
  }

  get image(): CriClient {
    if (this.endpoints.image === this.endpoints.runtime) return this.runtime;
    this.imageClient ??= new CriClient(this.endpoints.image, this.endpoints.timeoutMs);
    return this.imageClient;
  }

  print(text: string): void {
    this.out(text.endsWith('\n') ? text : `${text}\n`);
  }

  close(): void {
    this.runtimeClient?.close();
    this.imageClient?.close();
  }
}

/** A usage mistake: printed with the verb's help hint, exit code 1. */
export class UsageError extends Error {}

export interface Verb {
  summary: string;
  usage: string;
  run(ctx: CliContext, args: string[]): Promise<number | void>;
}

/** Resolves the endpoints, runs `fn` with a context, and closes its connections afterwards. */
export async function withCliContext(inputs: EndpointInputs, debug: boolean, fn: (ctx: CliContext) => Promise<number | void>): Promise<number> {
  const endpoints = resolveEndpoints(inputs);
  if (debug) endpoints.debug = true;
  const ctx = new CliContext(endpoints);
  try {
    return (await fn(ctx)) ?? 0;
  } finally {
    ctx.close();
  }
}
