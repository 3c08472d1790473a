// The pure half of a runtime handler's feature probe: what `<runtime> features`
// and the kernel release say about recursive read-only mounts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handlerFeatures, kernelHasMountSetattr, mountOptionsOf, NO_FEATURES } from '../../src/oci/runtime-features.js';

const RUNC = JSON.stringify({ ociVersionMin: '1.0.0', mountOptions: ['bind', 'rbind', 'ro', 'rro', 'rw'] });

test('mount options come from the features document; anything else is none', () => {
  assert.deepEqual(mountOptionsOf(RUNC), ['bind', 'rbind', 'ro', 'rro', 'rw']);
  assert.deepEqual(mountOptionsOf('unknown command features\n'), []);
  assert.deepEqual(mountOptionsOf('{"mountOptions": "rro"}'), []);
  assert.deepEqual(mountOptionsOf('{"mountOptions": ["rro", 7, null]}'), ['rro']);
  assert.deepEqual(mountOptionsOf('null'), []);
});

test('mount_setattr(2) needs Linux 5.12', () => {
  assert.equal(kernelHasMountSetattr('5.11.22-generic'), false);
  assert.equal(kernelHasMountSetattr('5.12.0'), true);
  assert.equal(kernelHasMountSetattr('6.1.0-13-amd64'), true);
  assert.equal(kernelHasMountSetattr('4.19.0'), false);
  assert.equal(kernelHasMountSetattr('garbage'), false);
});

test('rro is advertised only when the runtime knows it and the kernel can do it; user namespaces never yet', () => {
  assert.deepEqual(handlerFeatures(RUNC, '6.1.0'), { recursiveReadOnlyMounts: true, userNamespaces: false });
  assert.deepEqual(handlerFeatures(RUNC, '5.10.0'), NO_FEATURES);
  assert.deepEqual(handlerFeatures(JSON.stringify({ mountOptions: ['ro'] }), '6.1.0'), NO_FEATURES);
  assert.deepEqual(handlerFeatures(undefined, '6.1.0'), NO_FEATURES, 'no features command (crun 1.8) or no binary');
});

test('user namespaces: offered with a features command and a layer store that takes idmapped mounts, not otherwise', () => {
  assert.equal(handlerFeatures(RUNC, '6.1.0', true).userNamespaces, true);
  assert.equal(handlerFeatures(RUNC, '6.1.0', false).userNamespaces, false);
  assert.equal(handlerFeatures(undefined, '6.1.0', true).userNamespaces, false);
});
