// In-place redrawing for live views (monitor, stats): the alternate screen,
// a hidden cursor, each frame drawn from the top-left with every line
// cleared to its end and cut to the terminal's width (a wrapped line would
// push the frame down). Plain ANSI/VT100 sequences, which any terminal
// over SSH understands. The terminal is restored on exit, Ctrl-C and SIGTERM.
const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';

export class LiveScreen {
  private active = false;
  private readonly restore = (): void => this.leave();
  private readonly quit = (): void => {
    this.leave();
    process.exit(0);
  };

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  enter(): void {
    if (this.active) return;
    this.active = true;
    this.out.write(ENTER);
    process.on('exit', this.restore);
    process.on('SIGINT', this.quit);
    process.on('SIGTERM', this.quit);
    process.on('SIGHUP', this.quit);
    this.out.on('resize', this.clear);
  }

  private readonly clear = (): void => {
    this.out.write('\x1b[2J');
  };

  draw(lines: readonly string[]): void {
    const cols = this.out.columns || 80;
    const rows = this.out.rows || 24;
    const shown = lines.slice(0, rows).map((l) => `${cut(l, cols)}\x1b[K`);
    this.out.write(`\x1b[H${shown.join('\r\n')}\x1b[J`);
  }

  leave(): void {
    if (!this.active) return;
    this.active = false;
    this.out.write(LEAVE);
    process.off('exit', this.restore);
    process.off('SIGINT', this.quit);
    process.off('SIGTERM', this.quit);
    process.off('SIGHUP', this.quit);
    this.out.off('resize', this.clear);
  }
}

/** The first `cols` characters (code points; the views are single-width). */
export function cut(line: string, cols: number): string {
  const chars = [...line];
  return chars.length <= cols ? line : chars.slice(0, cols).join('');
}
