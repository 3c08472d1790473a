#!/usr/bin/env node
// Starts a Berth CLI bundle from V8's code cache: compiling the ~1 MB bundle
// is most of a CLI's start-up (measured: berthctl ps 65 → 49 ms). The cache
// (lib/<cli>.cjs.cache-<node version>) is written after a run that had none,
// once the verb's functions are compiled; V8 rejects a stale one by itself.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, 'lib', path.basename(__filename));
const cacheFile = `${file}.cache-${process.version}`;
const source = fs.readFileSync(file, 'utf8');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      // read-only install or no space: run without a cache
    }
  });
}
const mod = new Module(file, module);
mod.filename = file;
mod.paths = Module._nodeModulePaths(path.dirname(file));
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
