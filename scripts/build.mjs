// Bundles berthd, berthctl and berth into dist/ with esbuild. ESM with code
// splitting, so a CLI verb loads only the chunks it needs (start-up budget).
import { build } from 'esbuild';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await rm('dist', { recursive: true, force: true });
const common = {
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __BERTH_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies (grpc-js) still call require().
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
  logLevel: 'warning',
};
// The daemon is one file; the CLIs share lazily loaded chunks between them
// only, so a CLI never loads daemon-only code (the full message set, grpc-js).
await build({ ...common, entryPoints: { berthd: 'src/daemon/main.ts' } });
await build({
  ...common,
  entryPoints: { berthctl: 'src/cli/berthctl/main.ts', berth: 'src/cli/berth/main.ts' },
  splitting: true,
});
// Executables: berthd keeps V8's young generation small (idle RSS).
for (const [name, shebang] of [
  ['berthd', '#!/usr/bin/env -S node --max-semi-space-size=1'],
  ['berthctl', '#!/usr/bin/env node'],
  ['berth', '#!/usr/bin/env node'],
]) {
  const file = `dist/${name}.js`;
  const body = await readFile(file, 'utf8');
  await writeFile(file, `${shebang}\n${body}`);
  await chmod(file, 0o755);
}
