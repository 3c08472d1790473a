// The images every integration suite can rely on, built from Debian's
// busybox-static and catatonit binaries on this machine, fully offline.
import { readFile } from 'node:fs/promises';
import { buildImage, buildIndex } from './image.js';
import { DEFAULT_IMAGE_DIR, writeLayoutIndex } from './store.js';
import type { TarEntry } from './tar.js';
import { busyboxApplets } from './tools.js';
import type { BuiltImage, ImageConfigSpec, ImageSpec, LayerSpec } from './types.js';

export const BUSYBOX_BIN = '/bin/busybox';
export const CATATONIT_BIN = '/usr/bin/catatonit';
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The named user in every busybox-based image; /etc/group also lists it in berthextra (gid 2000), which only SupplementalGroupsPolicy Merge adds. */
export const BERTH_USER = { name: 'berthuser', uid: 1001, gid: 1001 } as const;

export const STANDARD_IMAGES = ['busybox', 'layered', 'user1002', 'nameduser', 'multiarch', 'dockerv2', 'catatonit', 'zstd'] as const;
export type StandardImageName = (typeof STANDARD_IMAGES)[number];
export type StandardImages = Record<StandardImageName, BuiltImage>;

const PASSWD = `root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
berthuser:x:1001:1001:Berth test user:/home/berthuser:/bin/sh
`;
const GROUP = `root:x:0:
nobody:x:65534:
berthuser:x:1001:
berthextra:x:2000:berthuser
`;

const dir = (path: string, mode = 0o755, uid = 0, gid = 0): TarEntry => ({ type: 'dir', path, mode, uid, gid });
const file = (path: string, content: Buffer | string, mode = 0o644): TarEntry => ({ type: 'file', path, content, mode });

function sorted(entries: TarEntry[]): TarEntry[] {
  // Sorted paths put every directory before its contents.
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The busybox root filesystem as tar entries (one layer). */
export async function busyboxEntries(): Promise<TarEntry[]> {
  const [binary, applets] = await Promise.all([readFile(BUSYBOX_BIN), busyboxApplets(BUSYBOX_BIN)]);
  return [
    dir('bin'),
    file('bin/busybox', binary, 0o755),
    ...applets.map((a): TarEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    dir('dev'),
    dir('etc'),
    file('etc/group', GROUP),
    file('etc/passwd', PASSWD),
    dir('home'),
    dir('home/berthuser', 0o755, BERTH_USER.uid, BERTH_USER.gid),
    dir('proc'),
    dir('root', 0o700),
    dir('sys'),
    dir('tmp', 0o1777),
    dir('var'),
  ];
}

const label = (name: StandardImageName): Record<string, string> => ({ 'org.berth.test.image': name });
const busyboxConfig = (name: StandardImageName, extra: ImageConfigSpec = {}): ImageConfigSpec => ({
  Env: [DEFAULT_PATH],
  Cmd: ['sh'],
  Labels: label(name),
  ...extra,
});

function tinyLayer(arch: string): LayerSpec {
  // Never run (wrong architecture); distinct content gives distinct digests.
  return { source: { entries: [file('arch', `${arch}\n`)] } };
}

async function buildAll(storeDir: string): Promise<StandardImages> {
  const bb = sorted(await busyboxEntries());
  const bbLayer: LayerSpec = { source: { entries: bb }, createdBy: 'busybox-static' };
  const busyboxSpec: ImageSpec = { repo: 'busybox', layers: [bbLayer], config: busyboxConfig('busybox') };
  const img = (spec: ImageSpec): Promise<BuiltImage> => buildImage(spec, storeDir);

  const l1: TarEntry[] = sorted([
    ...bb,
    dir('data'),
    file('data/gone', 'gone\n'),
    file('data/keep', 'keep\n'),
    dir('opaque'),
    file('opaque/a', 'a\n'),
    file('opaque/b', 'b\n'),
  ]);
  const l2: TarEntry[] = [
    dir('data'),
    { type: 'file', path: 'data/.wh.gone', content: '', mode: 0o644 },
    dir('opaque'),
    { type: 'file', path: 'opaque/.wh..wh..opq', content: '', mode: 0o644 },
    file('opaque/c', 'c\n'),
  ];
  const l3: TarEntry[] = [dir('data'), file('data/new', 'new\n')];

  const [busybox, layered, user1002, nameduser, multiarch, dockerv2, catatonit, zstd] = await Promise.all([
    img(busyboxSpec),
    img({
      repo: 'layered',
      layers: [
        { source: { entries: l1 }, createdBy: 'busybox + /data/{keep,gone} + /opaque/{a,b}' },
        { source: { entries: l2 }, createdBy: 'whiteout /data/gone, opaque /opaque, add /opaque/c' },
        { source: { entries: l3 }, createdBy: 'add /data/new' },
      ],
      config: busyboxConfig('layered'),
    }),
    img({ repo: 'user1002', layers: [bbLayer], config: busyboxConfig('user1002', { User: '1002' }) }),
    img({ repo: 'nameduser', layers: [bbLayer], config: busyboxConfig('nameduser', { User: BERTH_USER.name }) }),
    buildIndex(
      {
        repo: 'multiarch',
        manifests: [
          // The amd64 entry is busybox:latest itself (same manifest digest).
          { ...busyboxSpec, platform: { os: 'linux', architecture: 'amd64' } },
          { layers: [tinyLayer('arm64')], config: busyboxConfig('multiarch'), platform: { os: 'linux', architecture: 'arm64' } },
          { layers: [tinyLayer('arm/v7')], config: busyboxConfig('multiarch'), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        ],
      },
      storeDir,
    ),
    img({ repo: 'dockerv2', flavour: 'docker', layers: [bbLayer], config: busyboxConfig('dockerv2') }),
    img({
      repo: 'catatonit',
      layers: [{ source: { entries: [file('catatonit', await readFile(CATATONIT_BIN), 0o755)] }, createdBy: 'catatonit' }],
      config: { Env: [DEFAULT_PATH], Entrypoint: ['/catatonit', '-P'], Labels: label('catatonit') },
    }),
    img({ repo: 'zstd', layers: [{ ...bbLayer, compression: 'zstd' }], config: busyboxConfig('zstd') }),
  ]);
  const all = { busybox, layered, user1002, nameduser, multiarch, dockerv2, catatonit, zstd };
  // Makes the store a complete OCI layout of the standard images.
  await writeLayoutIndex(storeDir, Object.values(all));
  return all;
}

const memo = new Map<string, Promise<StandardImages>>();

/** Build (once per process, cached on disk across processes) all standard images. */
export function buildStandardImages(storeDir: string = DEFAULT_IMAGE_DIR): Promise<StandardImages> {
  let p = memo.get(storeDir);
  if (!p) {
    p = buildAll(storeDir);
    p.catch(() => memo.delete(storeDir));
    memo.set(storeDir, p);
  }
  return p;
}
