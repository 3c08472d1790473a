// Builds a CLI (berthctl, berth) as a small core bundle plus one bundle per verb.
//
// Why: start-up on this machine is paid mostly in page faults (~30 µs each
// here), and the one-file bundle (1 MB, 630 KB of it the generated codecs of
// every message any verb uses) made `berthctl version` touch ~2,400 more pages
// than node alone; the core plus the version verb's own bundle (only its
// codecs) touch a fifth of that. See bench/RESULTS.md, "Start-up on Node 20 vs
// Node 26".
//
// How: the core is the entry's run module and what it imports (dispatch,
// flags, endpoint resolution, the gRPC client). Its modules are published once
// in a registry on globalThis; a verb bundle gets each module the core already
// has from that registry instead of a copy, so classes (UsageError,
// GrpcStatusError) and module state exist once. Everything else a verb needs —
// its codecs, formatting, the streaming clients — is bundled into the verb's
// file, tree-shaken to what that verb uses. A verb's own dynamic imports
// (sub-verbs, the exec client) are inlined into its bundle.
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { relative, resolve } from 'node:path';

const REGISTRY = "globalThis[Symbol.for('berth.cli.core')]";

/**
 * @param {object} common esbuild options shared by every bundle
 * @param {string} name   'berthctl' | 'berth'
 * @param {string} runModule  the module exporting the CLI's run function, e.g. src/cli/berthctl/run.ts
 * @param {string} runExport  its name, e.g. runBerthctl
 * @returns {Promise<string[]>} the files written
 */
export async function buildCli(common, name, runModule, runExport) {
  const root = process.cwd();
  const verbDir = `${name}-verbs`;
  const verbs = new Map(); // './verbs/x.js' as written in the table → source path
  // Verbs stay outside the core: the table's import('./verbs/x.js') becomes require('./<cli>-verbs/x.cjs').
  const verbsOutside = {
    name: 'verbs-outside',
    setup(b) {
      b.onResolve({ filter: /^\.\/verbs\/[\w-]+\.js$/ }, (a) => {
        const src = resolve(a.resolveDir, a.path.replace(/\.js$/, '.ts'));
        const base = a.path.slice('./verbs/'.length, -'.js'.length);
        verbs.set(base, src);
        return { path: `./${verbDir}/${base}.cjs`, external: true };
      });
    },
  };

  // Pass 1: which modules make up the core.
  const probe = await build({ ...common, sourcemap: false, entryPoints: [runModule], format: 'cjs', write: false, metafile: true, plugins: [verbsOutside] });
  const coreModules = Object.keys(probe.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));

  // Pass 2: the core, publishing its modules before the CLI runs.
  const imports = coreModules.map((p, i) => `import * as m${i} from ${JSON.stringify(`./${p}`)};`).join('\n');
  const table = coreModules.map((p, i) => `${JSON.stringify(p)}: m${i}`).join(', ');
  const entry = `${imports}\n${REGISTRY} = { ${table} };\nimport { ${runExport} } from ${JSON.stringify(`./${runModule}`)};\nvoid ${runExport}(process.argv.slice(2));\n`;
  const coreFile = `dist/lib/${name}.cjs`;
  await build({ ...common, stdin: { contents: entry, resolveDir: root, sourcefile: `${name}-entry.ts`, loader: 'ts' }, outfile: coreFile, format: 'cjs', plugins: [verbsOutside] });

  // Pass 3: each verb, taking the core's modules from the registry.
  const core = new Set(coreModules.map((p) => resolve(root, p)));
  const fromCore = {
    name: 'from-core',
    setup(b) {
      b.onResolve({ filter: /^\./ }, async (a) => {
        if (a.pluginData === 'inner') return undefined;
        const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: 'inner' });
        if (r.errors.length > 0 || !core.has(r.path)) return undefined;
        return { path: relative(root, r.path), namespace: 'berth-core' };
      });
      b.onLoad({ filter: /.*/, namespace: 'berth-core' }, (a) => ({ contents: `module.exports = ${REGISTRY}[${JSON.stringify(a.path)}];`, loader: 'js' }));
    },
  };
  await mkdir(`dist/lib/${verbDir}`, { recursive: true });
  const written = [coreFile];
  await Promise.all(
    [...verbs].map(async ([base, src]) => {
      const out = `dist/lib/${verbDir}/${base}.cjs`;
      await build({ ...common, sourcesContent: false, entryPoints: [src], outfile: out, format: 'cjs', plugins: [fromCore] });
      written.push(out);
    }),
  );
  return written;
}
