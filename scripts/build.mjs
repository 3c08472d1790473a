// Bundles berthd, berthctl and berth into dist/ with esbuild.
// - berthd: one ESM file (grpc-js is CommonJS inside, hence the require shim).
// - the CLIs: CommonJS (loads ~5 ms faster than ESM here), a small core per
//   CLI plus one bundle per verb (scripts/build-cli.mjs), so a verb reads and
//   compiles only its own codecs and helpers, not every verb's.
import { build } from 'esbuild';
import { buildCli } from './build-cli.mjs';
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, readFile, rm, writeFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await rm('dist', { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node26',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __BERTH_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: { berthd: 'src/daemon/main.ts' },
  outdir: 'dist',
  format: 'esm',
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
});
// Metrics and tracing (prom-client, the OpenTelemetry SDK): bundles of their own beside
// berthd, imported only when [metrics] / [tracing] ask for them (src/observe/load-impl.ts).
for (const name of ['metrics', 'tracing']) {
  await build({
    ...common,
    entryPoints: { [`observe-${name}`]: `src/observe/${name}-impl.ts` },
    outdir: 'dist',
    format: 'esm',
    banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
  });
}
// Each CLI: a core bundle and one bundle per verb in dist/lib/ (scripts/build-cli.mjs),
// started by a small launcher that turns on Node's compile cache.
await buildCli(common, 'berthctl', 'src/cli/berthctl/run.ts', 'runBerthctl');
await buildCli(common, 'berth', 'src/cli/berth/run.ts', 'runBerth');
for (const name of ['berthctl', 'berth']) await copyFile('scripts/launcher/cli-launcher.cjs', `dist/${name}.cjs`);
// berthd's C helpers, found next to it: berth-stream (SCM_RIGHTS, SOCK_SEQPACKET,
// setns: what Node cannot do), berth-sys (mount, umount, unshare) and berth-mon
// (below). berth-sys runs on every pod and container start: linked statically,
// it starts ~0.3 ms sooner.
function cc(out, src, extra = []) {
  try {
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', ...extra, '-o', out, src], { stdio: 'inherit' });
  } catch (e) {
    throw new Error(`building ${out} needs a C compiler (gcc, libc6-dev: scripts/deps.sh): ${e.message}`);
  }
}
cc('dist/berth-stream', 'native/berth-stream.c');
try {
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-static', '-o', 'dist/berth-sys', 'native/berth-sys.c'], { stdio: 'ignore' });
} catch {
  cc('dist/berth-sys', 'native/berth-sys.c'); // no static libc: dynamic is fine
}
// berth-mon, the light container monitor: one per running container, so what
// counts is its resident memory. Static (no ld.so, no libc.so mappings: fewer
// private pages) and -Os; dynamic only where no static libc is installed.
try {
  execFileSync('cc', ['-Os', '-Wall', '-Wextra', '-static', '-o', 'dist/berth-mon', 'native/berth-mon.c'], { stdio: 'ignore' });
} catch {
  cc('dist/berth-mon', 'native/berth-mon.c', ['-Os']);
}
// Executables: berthd keeps V8's young generation small (idle RSS).
for (const [file, shebang] of [
  ['dist/berthd.js', '#!/usr/bin/env -S node --max-semi-space-size=1'],
]) {
  await writeFile(file, `${shebang}\n${await readFile(file, 'utf8')}`);
  await chmod(file, 0o755);
}
for (const name of ['berthctl', 'berth']) await chmod(`dist/${name}.cjs`, 0o755);
