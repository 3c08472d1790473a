// The CRI ImageService: validate the request, call the image subsystem,
// shape the answer. List/Status are answered from memory, with the Image
// message of each record built once and cached.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Image, ImageSpec } from '../api/gen/api.js';
import type { Handlers } from '../api/server.js';
import type { ImageRecord } from '../image/image-store.js';
import type { Images } from '../image/images.js';
import { userOf } from '../image/manifest.js';
import { invalidArgument } from '../util/errors.js';
import { LayerState } from '../api/gen/berth.js';
import type { LayerPhase } from '../image/pull-progress.js';

const LAYER_STATE: Record<LayerPhase, LayerState> = { waiting: LayerState.WAITING, downloading: LayerState.DOWNLOADING, done: LayerState.DONE, present: LayerState.PRESENT };

type ImageHandlers = Pick<Handlers, 'PullImage' | 'ListImages' | 'ImageStatus' | 'RemoveImage' | 'ImageFsInfo' | 'WatchPull'>;

/** WatchPull: how long to wait for the pull to begin (the CLI opens the watch beside PullImage), and how often to report. */
const WAIT_FOR_PULL_MS = 3000;
const NEW_PULL_GRACE_MS = 300;
const REPORT_EVERY_MS = 200;

export function imageHandlers(images: Images): ImageHandlers {
  // Records are replaced, never mutated, so a record object identifies its answer.
  const cache = new WeakMap<ImageRecord, Image>();
  let listed: { generation: number; res: { images: Image[] } } | undefined;
  const toImage = (r: ImageRecord): Image => {
    let img = cache.get(r);
    if (!img) {
      const u = userOf(r.user);
      img = {
        id: r.id,
        repoTags: r.repoTags,
        repoDigests: r.repoDigests,
        size: BigInt(r.size),
        uid: u.uid !== undefined ? { value: u.uid } : undefined,
        username: u.username,
        spec: undefined,
        pinned: false,
      };
      cache.set(r, img);
    }
    return img;
  };

  return {
    // The client's cancellation is not passed down: layers are shared with
    // other pulls, and a pull that finishes anyway serves the retry.
    PullImage: async (req) => {
      const ref = requireImage(req.image, 'image');
      const a = req.auth;
      const auth = a ? { username: a.username, password: a.password, auth: a.auth, identityToken: a.identityToken, registryToken: a.registryToken } : undefined;
      const rec = await images.pull(ref, auth);
      return { imageRef: rec.id };
    },

    // Berth's own (proto/berth.proto): per-layer progress of the pull in flight.
    WatchPull: async (req, ctx, send) => {
      const ref = req.image.trim();
      if (!ref) throw invalidArgument('api', 'image is required');
      const started = Date.now();
      let tracker = images.pullTracker(ref);
      // Wait for a pull to begin; a finished one (still shown for a moment) is reported only if
      // no new pull of the reference starts meanwhile — the watch usually opens beside its PullImage.
      while (!ctx.signal.aborted) {
        const waited = Date.now() - started;
        if (tracker ? !tracker.finished || waited >= NEW_PULL_GRACE_MS : waited >= WAIT_FOR_PULL_MS) break;
        await sleep(50);
        tracker = images.pullTracker(ref);
      }
      while (tracker && !ctx.signal.aborted) {
        const s = tracker.snapshot();
        send({ reference: s.reference, elapsedMs: BigInt(s.elapsedMs), finished: s.finished, layers: s.layers.map((l) => ({ digest: l.digest, size: BigInt(l.size), fetched: BigInt(l.fetched), state: LAYER_STATE[l.state] })) });
        if (s.finished) return;
        await sleep(REPORT_EVERY_MS);
      }
    },

    ListImages: async (req) => {
      const filter = req.filter?.image?.image || undefined;
      if (filter) return { images: images.list(filter).map(toImage) };
      // The kubelet polls the full list: the same answer object while nothing changed,
      // frozen so the transport reuses its encoding (src/api/server.ts).
      if (!listed || listed.generation !== images.generation) listed = { generation: images.generation, res: Object.freeze({ images: images.list().map(toImage) }) };
      return listed.res;
    },

    ImageStatus: async (req) => {
      const ref = requireImage(req.image, 'image');
      const r = images.status(ref);
      if (!r) return { image: undefined, info: {} };
      const info: Record<string, string> = {};
      if (req.verbose) {
        const config = await images.configOf(r.id);
        info.info = JSON.stringify({
          imageSpec: config,
          chainID: r.layers[r.layers.length - 1]?.chainId ?? '',
          manifestDigest: r.manifestDigest,
          layers: r.layers,
          pulledAt: new Date(r.pulledAt).toISOString(),
        });
      }
      return { image: toImage(r), info };
    },

    RemoveImage: async (req) => {
      await images.remove(requireImage(req.image, 'image'));
      return {};
    },

    ImageFsInfo: async () => {
      const fs = await images.fsInfo();
      const ts = BigInt(Date.now()) * 1_000_000n;
      const usage = (u: { mountpoint: string; usage: { bytes: number; inodes: number } }) => ({
        timestamp: ts,
        fsId: { mountpoint: u.mountpoint },
        usedBytes: { value: BigInt(u.usage.bytes) },
        inodesUsed: { value: BigInt(u.usage.inodes) },
      });
      // No container filesystem = the containers' layers are on the image filesystem (the kubelet's reading too).
      return { imageFilesystems: [usage(fs.image)], containerFilesystems: fs.containers ? [usage(fs.containers)] : [] };
    },
  };
}

function requireImage(spec: ImageSpec | undefined, field: string): string {
  const ref = spec?.image?.trim() ?? '';
  if (!ref) throw invalidArgument('cri', `${field}.image is required`);
  return ref;
}
