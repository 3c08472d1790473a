// Shapes shared by the image verbs, as crictl prints them: human sizes
// (3 significant digits, decimal units), truncated ids, the images table.
import type { Image } from '../../../api/gen/api.js';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** docker/go-units HumanSizeWithPrecision(size, 3). */
export function humanSize(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${UNITS[i]}`;
}

/** "sha256:abcdef…" → the first 13 hex digits. */
export function truncateId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 13);
}

/** crictl's rows: one per RepoTag (repository, tag), or one "<none>" row. */
export function repoTagPairs(img: Image): [string, string][] {
  const name = img.repoDigests[0]?.split('@')[0] ?? '<none>';
  if (img.repoTags.length === 0) return [[name, '<none>']];
  return img.repoTags.map((t) => {
    const i = t.lastIndexOf(':');
    return i < 0 ? ['errorRepoTag', 'errorRepoTag'] : [t.slice(0, i), t.slice(i + 1)];
  });
}

/** Go's tabwriter with minwidth 20, padding 3 (crictl's), for rows of cells. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(Math.max(20, (widths[i] ?? 0) + 3)))).join(''))
    .join('\n');
}

export interface ImagesTableOptions {
  digests: boolean;
  noTrunc: boolean;
}

export function imagesTable(images: readonly Image[], o: ImagesTableOptions): string {
  const header = o.digests ? ['IMAGE', 'TAG', 'DIGEST', 'IMAGE ID', 'SIZE'] : ['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'];
  const rows: string[][] = [header];
  for (const img of images) {
    const id = o.noTrunc ? img.id : truncateId(img.id);
    const digest = img.repoDigests[0]?.split('@')[1] ?? '<none>';
    for (const [repo, tag] of repoTagPairs(img)) {
      const size = humanSize(Number(img.size));
      rows.push(o.digests ? [repo, tag, o.noTrunc || digest === '<none>' ? digest : truncateId(digest), id, size] : [repo, tag, id, size]);
    }
  }
  return table(rows);
}
