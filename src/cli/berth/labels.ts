// How berth marks what it makes, so `berth ps` shows only its own and a
// stopped container can be made again from what it was run with.
export const CLI_LABEL = 'io.berth.cli';
export const CLI_VALUE = 'berth';
export const NAME_LABEL = 'io.berth.name';
/** The pod namespace of every berth pod. */
export const POD_NAMESPACE = 'berth';
/** The RunOptions a container was made from (JSON), on the container. */
export const OPTIONS_ANNOTATION = 'io.berth.run-options';

export const BERTH_SELECTOR: Record<string, string> = { [CLI_LABEL]: CLI_VALUE };

/** Where berth pods keep their logs: one directory per pod (removed with it). */
export function logRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_LOG_DIR || '/var/log/berth';
}
