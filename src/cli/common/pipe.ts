// Long-running output (logs -f, events, stats -w) piped into `head` and the
// like: a closed pipe ends the command quietly, as Go CLIs end on SIGPIPE.

export function exitQuietlyOnClosedPipe(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? 0 : 1));
  }
}
