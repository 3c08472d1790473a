#!/usr/bin/env node
// Starts a Berth CLI: its core bundle in lib/, which loads the verb's bundle.
// Node's compile cache (lib/.compile-cache, next to the bundles and owned by
// whoever installed them) spares compiling them again: Node keys it by its own
// version and each file's content, so a stale entry is recompiled, and a cache
// that cannot be read or written (another user, read-only install) only means
// compiling as if there were none.
'use strict';
const path = require('node:path');
const lib = path.join(__dirname, 'lib');
try {
  require('node:module').enableCompileCache(path.join(lib, '.compile-cache'));
} catch {
  // an older Node without it: compile each time
}
require(path.join(lib, path.basename(__filename)));
