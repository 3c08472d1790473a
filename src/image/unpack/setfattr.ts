// The one wrapper around setfattr(1) (package attr): Node cannot set
// extended attributes. Used to mark overlay opaque directories, all of a
// layer's in one spawn (--restore reads getfattr's dump format).
import { runTool } from '../../util/run-tool.js';

/** Sets trusted.overlay.opaque=y on each directory (paths relative to `dir`, latin1 bytes), not following symlinks. */
export async function markOpaque(dir: string, relDirs: readonly string[]): Promise<void> {
  if (relDirs.length === 0) return;
  const dump = relDirs.map((d) => `# file: ${escapeName(d === '' ? '.' : d)}\ntrusted.overlay.opaque="y"\n`).join('\n');
  await runTool({ layer: 'storage', cmd: 'setfattr', args: ['-h', '--restore=-'], cwd: dir, input: Buffer.from(dump, 'latin1'), timeoutMs: 60_000 });
}

/** getfattr's quoting: control bytes, space-likes, backslash and non-ASCII as \ooo. */
export function escapeName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    out += c <= 0x20 || c >= 0x7f || c === 0x5c || c === 0x3d || c === 0x22 ? `\\${c.toString(8).padStart(3, '0')}` : name[i];
  }
  return out;
}
