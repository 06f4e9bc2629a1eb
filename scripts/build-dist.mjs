#!/usr/bin/env node
/**
 * Compiles src/ into dist/ (plain JavaScript, one file per source file, same folders), so the daemon
 * runs without a TypeScript loader: tsx in every thread costs an esbuild child process and a loader
 * thread each, most of an idle daemon's memory (docs/allocation.md has the figures). bin/faderd.js
 * runs dist/ when it is at least as new as src/, and src/ through tsx otherwise (development).
 *
 *   node scripts/build-dist.mjs          # npm ci / npm install run this (package.json "install")
 *   node scripts/build-dist.mjs --force  # npm run build: rebuild even when up to date
 *   node scripts/build-dist.mjs --check  # exit 0 when dist/ is up to date, 1 when not (nothing built)
 *
 * An up-to-date dist/ is left alone: npm runs this again on every install, and rebuilding would
 * delete modules under a running daemon that has yet to import them.
 *
 * Imports keep their meaning: every relative `./x.ts` import, and every `new URL('./x.ts',
 * import.meta.url)` (worker entries, lazily imported modules), is rewritten to `./x.js`; packages
 * stay external. dist/ mirrors src/'s depth, so paths found from import.meta.url (mappings/, web/,
 * native/) are the same from either.
 *
 * Three packages are bundled too, each into one module of dist/vendor/ that every dist/ module imports
 * it from (so there is still one copy of each, and one Observable, ZodError or YAML Document class):
 * rxjs, zod and yaml. From node_modules, Node loads rxjs as 223 CommonJS files, zod and yaml as dozens
 * of ES modules each, ~9-10 MB of RSS each; a single ES module of each costs ~1, ~4 and ~1. All three
 * are plain JavaScript with no files of their own to find at run time.
 *
 * The web mixer's copies of engine modules (src/servers/http/assets.ts) are written as well, to
 * dist/web-lib/, so a daemon from dist/ never starts esbuild.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
/** Written last: its time is the build's (bin/faderd.js compares it with src/). */
export const STAMP = path.join(dist, '.built');

/** Engine modules the web mixer imports, by their path below src/ (kept in step with assets.ts by a test). */
export const WEB_LIB = ['params/taper.ts', 'engine/dsp/util.ts', 'engine/dsp/glide.ts', 'engine/dsp/biquad.ts', 'engine/dsp/compressor.ts', 'engine/dsp/linked-peak.ts'];

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Newest modification time under src/ (files and folders: a deleted file changes its folder's). */
function newestSource() {
  let t = fs.statSync(src).mtimeMs;
  const visit = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, fs.statSync(p).mtimeMs);
      if (e.isDirectory()) visit(p);
    }
  };
  visit(src);
  return t;
}

/**
 * Whether dist/ is newer than everything it is built from: src/, this script, and the vendored
 * packages as installed (npm ci after a lockfile change replaces them without touching src/).
 */
export function upToDate() {
  if (!fs.existsSync(STAMP)) return false;
  const inputs = [fileURLToPath(import.meta.url), ...VENDORED.map((name) => path.join(root, 'node_modules', name, 'package.json'))];
  const newest = Math.max(newestSource(), ...inputs.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : Infinity)));
  return fs.statSync(STAMP).mtimeMs >= newest;
}

/** Packages bundled into dist/vendor/<name>.js (see above). */
export const VENDORED = ['rxjs', 'zod', 'yaml'];

const URL_TS = /new URL\((['"`])(\.{1,2}\/[^'"`]+)\.ts\1,\s*import\.meta\.url\)/g;

/** Relative imports become .js and stay external; so do packages. Each source file is its own output. */
const externals = {
  name: 'faderd-externals',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('.')) return { path: args.path.replace(/\.ts$/, '.js'), external: true };
      if (VENDORED.includes(args.path)) {
        // Relative to the importing module: dist/ mirrors src/, so src/vendor/x.js stands for dist/vendor/x.js.
        const rel = path.relative(path.dirname(args.importer), path.join(src, 'vendor', `${args.path}.js`)).split(path.sep).join('/');
        return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
      }
      return { path: args.path, external: true };
    });
    build.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: fs.readFileSync(args.path, 'utf8').replace(URL_TS, (_m, q, p) => `new URL(${q}${p}.js${q}, import.meta.url)`),
      loader: 'ts',
    }));
  },
};

export async function build() {
  const entries = walk(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  fs.rmSync(dist, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    outdir: dist,
    outbase: src,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [externals],
    logLevel: 'warning',
  });
  // The vendored packages, from their ES module builds (rxjs's "es2015"; Node itself would take its CommonJS).
  for (const name of VENDORED) {
    await esbuild.build({
      stdin: { contents: `export * from '${name}';\n`, resolveDir: root, sourcefile: `vendor-${name}.js` },
      outfile: path.join(dist, 'vendor', `${name}.js`),
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['es2015', 'import'],
      mainFields: ['module', 'main'],
      target: 'node20',
      logLevel: 'warning',
    });
  }
  // The web mixer's engine modules: types stripped, nothing else changed (as assets.ts would at start).
  for (const rel of WEB_LIB) {
    const out = await esbuild.transform(fs.readFileSync(path.join(src, rel), 'utf8'), { loader: 'ts', format: 'esm', target: 'es2020', sourcefile: `src/${rel}` });
    const file = path.join(dist, 'web-lib', rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, out.code);
  }
  fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return entries.length;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) process.exit(upToDate() ? 0 : 1);
  if (!process.argv.includes('--force') && upToDate()) {
    console.log('build-dist: dist/ is up to date');
    process.exit(0);
  }
  try {
    const n = await build();
    console.log(`build-dist: ${n} modules -> dist/`);
  } catch (e) {
    console.error(`build-dist: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  } finally {
    // esbuild's service process would keep npm's install step waiting.
    await esbuild.stop?.();
  }
}
