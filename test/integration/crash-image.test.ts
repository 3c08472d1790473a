// berthd SIGKILLed inside PullImage (after a layer is unpacked, before the
// image record) and RemoveImage (after the untag, in the middle of garbage
// collection): after a restart the image is fully there or fully gone, no
// layer, blob or temporary directory is left that no image names, and the
// retried request succeeds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ImageStatus, ListImages, PullImage, RemoveImage } from '../../src/api/methods.js';
import { armFailpoint, crashAt, imageGarbage, startNode, startTestRegistry, stopNode, type Node, type Registry } from '../support/reliability.js';

let reg: Registry;
let n: Node;

before(async () => {
  reg = await startTestRegistry();
  n = await startNode();
  // Something else in the store, which must survive every crash untouched.
  await n.d.client.call(PullImage, { image: { image: reg.busybox } });
});
after(async () => {
  await stopNode(n);
  await reg?.reg.stop();
});

const pull = (image: string) => n.d.client.call(PullImage, { image: { image } });
const present = async (image: string) => (await n.d.client.call(ImageStatus, { image: { image }, verbose: false })).image !== undefined;

async function assertStoreConsistent(): Promise<void> {
  assert.deepEqual(await imageGarbage(n.d), [], 'no unreferenced layer, blob or tmp entry');
  assert.ok(await present(reg.busybox), 'the other image is intact');
  const tags = (await n.d.client.call(ListImages, {})).images.flatMap((i) => i.repoTags);
  assert.ok(tags.includes(reg.busybox));
}

describe('PullImage', () => {
  for (const point of ['image.after-layer', 'image.before-record']) {
    it(`killed at ${point}: no image and no garbage after restart; the retried pull succeeds`, async () => {
      await armFailpoint(n, point);
      await crashAt(n, point, () => pull(reg.layered));
      assert.equal(await present(reg.layered), false, 'a half-pulled image is not listed');
      await assertStoreConsistent();
      await pull(reg.layered);
      assert.ok(await present(reg.layered));
      await n.d.client.call(RemoveImage, { image: { image: reg.layered } });
      await assertStoreConsistent();
    });
  }
});

describe('RemoveImage', () => {
  for (const point of ['image.remove.after-untag', 'image.gc.mid']) {
    it(`killed at ${point}: the image is gone after restart and its layers and blobs freed; the retried removal is a no-op`, async () => {
      await pull(reg.layered);
      await armFailpoint(n, point);
      await crashAt(n, point, () => n.d.client.call(RemoveImage, { image: { image: reg.layered } }));
      assert.equal(await present(reg.layered), false);
      await assertStoreConsistent();
      await n.d.client.call(RemoveImage, { image: { image: reg.layered } });
      await pull(reg.layered);
      assert.ok(await present(reg.layered), 'pulled again');
      await n.d.client.call(RemoveImage, { image: { image: reg.layered } });
      await assertStoreConsistent();
    });
  }
});
