// Every berth verb: its one-line summary and the module that implements it
// (loaded on demand). The help screen and the shell completion read this.
import type { BerthVerb } from './verb.js';

export interface VerbEntry {
  summary: string;
  group: 'Containers' | 'Images' | 'Resources' | 'System';
  load: () => Promise<{ verb: BerthVerb }>;
  /** Internal verbs (completion data, the --rm reaper) are not listed. */
  hidden?: boolean;
}

export const VERBS: Record<string, VerbEntry> = {
  run: { group: 'Containers', summary: 'Create and run a new container (a one-container pod)', load: () => import('./verbs/run.js') },
  ps: { group: 'Containers', summary: 'List containers', load: () => import('./verbs/ps.js') },
  logs: { group: 'Containers', summary: 'Fetch the logs of a container', load: () => import('./verbs/logs.js') },
  exec: { group: 'Containers', summary: 'Execute a command in a running container', load: () => import('./verbs/exec.js') },
  attach: { group: 'Containers', summary: "Attach to a running container's input and output", load: () => import('./verbs/attach.js') },
  stop: { group: 'Containers', summary: 'Stop one or more running containers', load: () => import('./verbs/stop.js') },
  start: { group: 'Containers', summary: 'Start one or more stopped containers', load: () => import('./verbs/start.js') },
  restart: { group: 'Containers', summary: 'Restart one or more containers', load: () => import('./verbs/restart.js') },
  rm: { group: 'Containers', summary: 'Remove one or more containers (and their pods)', load: () => import('./verbs/rm.js') },
  kill: { group: 'Containers', summary: 'Send a signal to one or more running containers', load: () => import('./verbs/kill.js') },
  inspect: { group: 'Containers', summary: 'Display detailed information on containers or images', load: () => import('./verbs/inspect.js') },
  top: { group: 'Containers', summary: 'Display the running processes of a container', load: () => import('./verbs/top.js') },
  port: { group: 'Containers', summary: 'List port mappings of a container', load: () => import('./verbs/port.js') },
  stats: { group: 'Containers', summary: 'Display a live stream of container resource usage', load: () => import('./verbs/stats.js') },
  update: { group: 'Containers', summary: 'Update the resource limits of one or more containers', load: () => import('./verbs/update.js') },
  pull: { group: 'Images', summary: 'Pull an image from a registry', load: () => import('./verbs/pull.js') },
  images: { group: 'Images', summary: 'List images', load: () => import('./verbs/images.js') },
  rmi: { group: 'Images', summary: 'Remove one or more images', load: () => import('./verbs/rmi.js') },
  list: { group: 'Resources', summary: 'List every container of the node with its pod, state, image and limits', load: () => import('./verbs/list.js') },
  events: { group: 'Resources', summary: 'Stream container and pod events as they happen', load: () => import('./verbs/events.js') },
  describe: { group: 'Resources', summary: 'Show everything known about a container, pod or image', load: () => import('./verbs/describe.js') },
  monitor: { group: 'Resources', summary: 'Live view of cpu, memory or network use against limits', load: () => import('./verbs/monitor.js') },
  container: { group: 'Resources', summary: 'Show and change the limits and CPU pinning of a container, live', load: () => import('./verbs/container.js') },
  info: { group: 'System', summary: 'Display system-wide information', load: () => import('./verbs/info.js') },
  version: { group: 'System', summary: 'Show the berth and runtime version information', load: () => import('./verbs/version.js') },
  system: { group: 'System', summary: 'Manage the node (system prune)', load: () => import('./verbs/system.js') },
  completion: { group: 'System', summary: 'Print the shell completion script (bash or zsh)', load: () => import('./verbs/completion.js') },
  __complete: { group: 'System', summary: 'Names for shell completion', hidden: true, load: () => import('./verbs/complete-names.js') },
  __autoremove: { group: 'System', summary: 'Remove a container when it exits (run -d --rm)', hidden: true, load: () => import('./verbs/autoremove.js') },
};
