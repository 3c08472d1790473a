// What a berth verb declares: its flags (parsed, documented and completed
// from this one description), its help text and its action. Verb modules are
// loaded only when their verb runs, so declarations cost nothing up front.
import type { CliContext } from '../common/cli-context.js';

export type FlagKind = 'bool' | 'string' | 'strings' | 'int';

/** What the shell completion offers for a flag's value or a positional argument. */
export type CompleteKind = 'container' | 'running' | 'image' | 'file' | 'dir' | 'signal' | 'none' | readonly string[];

export interface FlagDef {
  name: string;
  short?: string;
  kind: FlagKind;
  /** Placeholder shown in help ("string", "N", "host:container"). */
  value?: string;
  help: string;
  default?: string;
  complete?: CompleteKind;
}

export type FlagValues = Record<string, boolean | string | string[] | number | undefined>;

export interface Parsed {
  flags: FlagValues;
  args: string[];
}

export interface BerthVerb {
  /** One-line synopsis after "berth": "run [OPTIONS] IMAGE [COMMAND] [ARG...]". */
  synopsis: string;
  /** Paragraphs of description (man-page DESCRIPTION). */
  description: string;
  flags: readonly FlagDef[];
  /**
   * Docker's rule for verbs that run a command (run, exec): flags stop at the
   * first positional argument, everything after it belongs to the command.
   */
  stopAtPositional?: boolean;
  /** What positional arguments complete to, in order; the last repeats. */
  positional?: readonly CompleteKind[];
  examples?: readonly string[];
  /** Sub-verbs (berth container limits|set|…, berth system prune). */
  subverbs?: Record<string, { summary: string; load: () => Promise<{ verb: BerthVerb }> }>;
  run(ctx: CliContext, p: Parsed): Promise<number | void>;
}
