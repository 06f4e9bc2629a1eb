#!/usr/bin/env node
/**
 * Builds every native addon: each `native/<name>/binding.gyp` becomes
 * `native/<name>/build/Release/<name>.node`, through node-gyp (npm puts its bundled copy on PATH,
 * and names it in npm_config_node_gyp, while it runs package.json's "install" script). Folders
 * under native/ without a binding.gyp (firmware sketches) are left alone.
 *
 *   node scripts/build-native.mjs            # all addons (npm ci runs this)
 *   node scripts/build-native.mjs jack-bridge
 *
 * An addon whose built file is newer than its binding.gyp and every file under its src/ is left as it
 * is: npm runs this script again whenever it installs the project (`npx faderd` does too), and a
 * rebuild would delete the addon under a running faderd. `--force` rebuilds anyway.
 *
 * A failed build fails the install with node-gyp's own output above the line naming the addon.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const force = process.argv.includes('--force');
const only = process.argv.slice(2).filter((a) => a !== '--force');

/** Newest modification time of a file or of everything under a folder, in ms. */
function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}

/** Whether native/<name>/build/Release/<name>.node is newer than what it is built from. */
function upToDate(name) {
  const dir = path.join(nativeDir, name);
  const out = path.join(dir, 'build', 'Release', `${name}.node`);
  if (!fs.existsSync(out)) return false;
  const sources = [path.join(dir, 'binding.gyp'), ...(fs.existsSync(path.join(dir, 'src')) ? [path.join(dir, 'src')] : [])];
  return fs.statSync(out).mtimeMs > Math.max(...sources.map(newest));
}

/** How to run node-gyp: npm's own copy when npm runs us, else the one on PATH. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && fs.existsSync(fromNpm)) return [process.execPath, fromNpm];
  const probe = spawnSync('node-gyp', ['--version'], { stdio: 'ignore' });
  if (probe.status === 0) return ['node-gyp'];
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(bundled)) return [process.execPath, bundled];
  return undefined;
}

/**
 * Where node-gyp finds Node's headers: npm's nodedir setting when npm runs us, else the headers
 * installed beside this node (distribution packages and nvm ship them), else node-gyp downloads them.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

const addons = fs.existsSync(nativeDir)
  ? fs
      .readdirSync(nativeDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(nativeDir, d.name, 'binding.gyp')))
      .map((d) => d.name)
      .filter((name) => only.length === 0 || only.includes(name))
      .sort()
      .filter((name) => {
        if (force || !upToDate(name)) return true;
        console.log(`build-native: ${name} is up to date`);
        return false;
      })
  : [];

if (addons.length > 0) {
  const gyp = nodeGyp();
  if (!gyp) {
    console.error('build-native: node-gyp not found (it comes with npm; run this through "npm ci" or install node-gyp)');
    process.exit(1);
  }
  for (const name of addons) {
    const cwd = path.join(nativeDir, name);
    console.log(`build-native: ${name}`);
    const r = spawnSync(gyp[0], [...gyp.slice(1), 'rebuild', ...nodedirArgs()], { cwd, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`build-native: building native/${name} failed (a C compiler, make and python3 are needed: apt-get install build-essential python3)`);
      process.exit(r.status ?? 1);
    }
  }
}
