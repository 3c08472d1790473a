// Public face of the offline test image builder. See types.ts for the spec
// and result shapes, standard.ts for the images every suite can use.
export { buildImage, buildIndex } from './image.js';
export { blobPath, DEFAULT_IMAGE_DIR } from './store.js';
export { writeTar, type TarEntry } from './tar.js';
export {
  BERTH_USER,
  buildStandardImages,
  busyboxEntries,
  DEFAULT_PATH,
  STANDARD_IMAGES,
  type StandardImageName,
  type StandardImages,
} from './standard.js';
export * from './types.js';
