// berthctl events: crictl's stream of container events (GetContainerEvents),
// each printed as protobuf-JSON (or YAML, or through --template) until
// interrupted. A runtime without the RPC gets one clear line.
import { containerEventTypeToJSON, namespaceModeToJSON, podSandboxStateToJSON } from '../../../api/gen/api.js';
import { GetContainerEvents } from '../../../api/methods.js';
import { GrpcStatusError } from '../../../client/cri-client.js';
import { UsageError, type Verb } from '../../common/cli-context.js';
import { renderTemplate, validateTemplate } from '../../common/go-template.js';
import { toJson, toYaml } from '../../common/output.js';
import { exitQuietlyOnClosedPipe } from '../../common/pipe.js';
import { Code } from '../../../util/errors.js';
import { NO_DEADLINE_MS } from './container-config.js';
import { STATUS_ENUMS, protoJson, sortKeysDeep, type EnumPaths } from './container-format.js';
import { parseFlags } from './flags.js';

const EVENT_ENUMS: EnumPaths = {
  containerEventType: containerEventTypeToJSON,
  'podSandboxStatus.state': podSandboxStateToJSON,
  'podSandboxStatus.linux.namespaces.options.network': namespaceModeToJSON,
  'podSandboxStatus.linux.namespaces.options.pid': namespaceModeToJSON,
  'podSandboxStatus.linux.namespaces.options.ipc': namespaceModeToJSON,
  ...Object.fromEntries(Object.entries(STATUS_ENUMS).map(([k, f]) => [`containersStatuses.${k}`, f])),
};

export const verb: Verb = {
  summary: 'Stream the events of containers',
  usage: `Usage: berthctl events [command options]

Prints container events as they happen, until interrupted.

Options:
  --output value, -o value  Output format, One of: json|yaml|go-template (default: "json")
  --template value          The template string is only used when output is go-template; The Template format is golang template`,
  async run(ctx, args) {
    const { flags, positional } = parseFlags('events', args, { output: { kind: 'string', short: 'o' }, template: { kind: 'string' } });
    if (positional.length) throw new UsageError(`events: unexpected arguments ${positional.join(' ')}`);
    const format = (flags.output as string | undefined) || 'json';
    const template = (flags.template as string | undefined) ?? '';
    if (format === 'json' || format === 'yaml') {
      if (template) throw new UsageError(`template can't be used with "${format}" format`);
    } else if (format === 'go-template') validateTemplate(template);
    else throw new UsageError(`don't support "${format}" format`);
    exitQuietlyOnClosedPipe();
    try {
      await ctx.runtime.stream(
        GetContainerEvents,
        {},
        (e) => {
          const doc = protoJson(e, EVENT_ENUMS);
          if (format === 'json') ctx.print(toJson(doc));
          else if (format === 'yaml') ctx.print(toYaml(sortKeysDeep(doc)));
          else ctx.out(`${renderTemplate(template, doc)}\n`);
        },
        { timeoutMs: NO_DEADLINE_MS },
      );
    } catch (e) {
      if (e instanceof GrpcStatusError && e.grpcCode === Code.Unimplemented) {
        throw new Error('getting container events: this runtime does not implement GetContainerEvents (CRI evented PLEG)');
      }
      throw new Error(`getting container events: ${(e as Error).message}`);
    }
  },
};
