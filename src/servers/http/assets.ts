/**
 * The web mixer's files, read once at start into a table of exact URL paths: the page (`web/`), its
 * two libraries (Preact with htm, and osc.js's browser build, both from their npm packages), and the
 * engine's own math (fader law, biquads, compressor curve) turned from TypeScript into browser
 * JavaScript, so the page draws its EQ and compressor curves with the very formulas the engine runs.
 *
 * Only paths in the table are served: there is no file-system lookup at request time, so no request
 * can reach a file outside it (`..`, encoded slashes, symlinks) whatever its path says.
 *
 * Everything but the page itself lives under `/v/<version>/`, where the version is a hash of every
 * file: those URLs never change content, so browsers may cache them for good (`immutable`), and a new
 * faderd serves new URLs. The page (`/`) is revalidated on every load (its ETag makes that a 304).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Buffer;
  /** The gzip form, when it is worth sending. */
  readonly gzip: Buffer | undefined;
  readonly type: string;
  readonly etag: string;
  /** Under the versioned prefix: cacheable for good. */
  readonly immutable: boolean;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const WEB_DIR = path.join(ROOT, 'web');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Engine sources the page imports (under `lib/`), by their path below `src/`. Their imports must stay inside this list. */
export const ENGINE_MODULES = ['params/taper.ts', 'engine/dsp/util.ts', 'engine/dsp/glide.ts', 'engine/dsp/biquad.ts', 'engine/dsp/compressor.ts', 'engine/dsp/linked-peak.ts'];

/** Where the page finds its libraries, and which file of which package each is. */
const VENDOR: ReadonlyArray<{ url: string; pkg: string; file: string }> = [
  { url: 'vendor/preact-htm.js', pkg: 'htm', file: 'preact/standalone.module.js' },
  { url: 'vendor/osc.js', pkg: 'osc', file: 'dist/osc-browser.min.js' },
];

const require = createRequire(import.meta.url);

/** A package's folder, found from its main file (packages with an `exports` map hide package.json). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
  return dir;
}

function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

function typeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function asset(body: Buffer, type: string, immutable: boolean): Asset {
  const compressible = /^text\/|json|svg/.test(type) && body.length > 512;
  const gz = compressible ? zlib.gzipSync(body, { level: 9 }) : undefined;
  const etag = `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, gzip: gz && gz.length < body.length ? gz : undefined, type, etag, immutable };
}

/**
 * Run from dist/ (this file compiled to .js), the engine modules were turned into browser JavaScript
 * when dist/ was built (scripts/build-dist.mjs writes dist/web-lib/): a daemon started from it never
 * starts esbuild, whose synchronous API keeps a worker thread and a child process for good.
 */
const BUILT_LIB = import.meta.url.endsWith('.js') ? path.join(ROOT, 'dist', 'web-lib') : undefined;

/** The engine module as browser JavaScript: types stripped, nothing else changed. */
function engineModule(rel: string): Buffer {
  if (BUILT_LIB) return fs.readFileSync(path.join(BUILT_LIB, rel));
  const file = path.join(ROOT, 'src', rel);
  const { transformSync } = require('esbuild') as typeof import('esbuild');
  const out = transformSync(fs.readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'es2020', sourcefile: `src/${rel}` });
  return Buffer.from(out.code);
}

export class AssetTable {
  private readonly byPath = new Map<string, Asset>();
  /** The versioned prefix, `/v/<hash>/`. */
  readonly prefix: string;

  constructor(webDir = WEB_DIR) {
    const files = new Map<string, Buffer>();
    for (const rel of walk(webDir)) files.set(rel, fs.readFileSync(path.join(webDir, rel)));
    const index = files.get('index.html');
    if (!index) throw new Error(`web mixer: ${path.join(webDir, 'index.html')} is missing`);
    files.delete('index.html');
    for (const v of VENDOR) files.set(v.url, fs.readFileSync(path.join(packageDir(v.pkg), v.file)));
    for (const rel of ENGINE_MODULES) files.set(`lib/${rel}`, engineModule(rel));
    const hash = crypto.createHash('sha256');
    for (const [rel, body] of files) hash.update(rel).update('\0').update(body).update('\0');
    this.prefix = `/v/${hash.digest('hex').slice(0, 12)}/`;
    for (const [rel, body] of files) {
      // Under the prefix a .ts path is the engine module already turned into JavaScript.
      const type = rel.startsWith('lib/') ? TYPES['.js']! : typeOf(rel);
      this.byPath.set(this.prefix + rel, asset(body, type, true));
    }
    // Every module up front: without it the browser learns of each import one round trip at a time.
    const modules = [...files.keys()].filter((rel) => rel !== 'vendor/osc.js' && (rel.endsWith('.js') || rel.startsWith('lib/')));
    const preload = modules.map((rel) => `<link rel="modulepreload" href="${this.prefix}${rel}">`).join('\n');
    const text = index.toString('utf8').replaceAll('{{PRELOAD}}', preload).replaceAll('{{ASSETS}}', this.prefix.slice(0, -1));
    const page = asset(Buffer.from(text), TYPES['.html']!, false);
    this.byPath.set('/', page);
    this.byPath.set('/index.html', page);
  }

  get(urlPath: string): Asset | undefined {
    return this.byPath.get(urlPath);
  }

  get paths(): string[] {
    return [...this.byPath.keys()];
  }
}
