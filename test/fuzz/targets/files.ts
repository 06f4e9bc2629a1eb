/**
 * User files with every kind of error: sessions, mapping files, state files and scenes, mutated at
 * the token and line level. A file is either accepted (and then everything built from it is valid)
 * or refused with a located error: ConfigError issues with file, line and column, or a
 * StateFormatError for state; any other exception is a bug.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { DEFAULT_SESSION_YAML, parseSession } from '../../../src/params/session.ts';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { applyValues, encodeValues, parseStateText, StateFormatError } from '../../../src/params/persistence.ts';
import { parseScene, sceneYaml } from '../../../src/params/scenes.ts';
import { parseMapping } from '../../../src/mapping/file/load.ts';
import { compileMapping } from '../../../src/mapping/binding/compile.ts';
import { MemorySurface } from '../../../src/surfaces/memory.ts';
import { ConfigError } from '../../../src/util/source-error.ts';
import type { FuzzTarget } from '../harness.ts';
import { mutateText, type Rng } from '../rng.ts';
import { checkStore, fuzzStore } from '../invariants.ts';
import { MCU_YAML } from './midi.ts';

const FULL_SESSION = `version: 1
name: Festival
channels:
  - { name: Kick, input: 1 }
  - { name: OH, stereo: true, input: [2, 3] }
  - { name: Vox, input: 4, file: vox.wav }
buses:
  - { name: Wedge 1, output: 3 }
  - { name: Drums, master: true }
fx:
  - { name: Hall, type: reverb }
audio: { backend: null, sampleRate: 48000, blockSize: 256 }
osc: { host: 192.168.1.10, port: 9000, allow: [192.168.1.0/24], readOnly: [192.168.1.50] }
surfaces:
  - mcu.yaml
  - { mapping: board.yaml, id: board, device: { path: /dev/ttyACM0 } }
safety: { maxGainDb: 0 }
state: { dir: state, autosaveMs: 250 }
params:
  /ch/1/fader: -6
  /master/fader: 5
  /ch/2/mute: true
  /ch/3/eq/1/type: peak
`;

/** Throws unless `e` is a ConfigError whose every issue is located in `file`. */
export function checkConfigError(e: unknown, file: string): void {
  if (!(e instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${(e as Error)?.stack ?? String(e)}`);
  if (e.issues.length === 0) throw new Error('a ConfigError with no issues');
  for (const i of e.issues) {
    if (i.file !== file || !(Number.isInteger(i.line) && i.line >= 1) || !(Number.isInteger(i.col) && i.col >= 1) || !i.message) {
      throw new Error(`an issue without a usable location: ${JSON.stringify(i)}`);
    }
  }
}

/** Counts accepted and refused files; the final check wants both (mutations that never parse test little). */
function mixCheck(name: string, c: { ok: number; refused: number }): () => void {
  return () => {
    if (c.ok === 0 || c.refused === 0) throw new Error(`${name}: expected accepted and refused files, got ${c.ok} and ${c.refused}`);
  };
}

export function sessionFileTarget(): FuzzTarget<string> {
  const c = { ok: 0, refused: 0 };
  return {
    name: 'session-file',
    generate: (r: Rng) => mutateText(r, r.chance(0.5) ? DEFAULT_SESSION_YAML : FULL_SESSION),
    feed(text) {
      let session;
      try {
        session = parseSession(text, 'fuzz.yaml');
      } catch (e) {
        checkConfigError(e, 'fuzz.yaml');
        c.refused++;
        return;
      }
      c.ok++;
      const store = new ParamStore(ParamRegistry.fromSession(session));
      applyValues(store, session.params, 'session', 'fuzz.yaml');
      checkStore(store);
    },
    finish: mixCheck('session-file', c),
  };
}

export function mappingFileTarget(): FuzzTarget<string> {
  const c = { ok: 0, refused: 0 };
  const store = fuzzStore();
  const scheduler = new VirtualTimeScheduler();
  return {
    name: 'mapping-file',
    generate: (r: Rng) => mutateText(r, MCU_YAML),
    feed(text) {
      try {
        const m = parseMapping(text, 'fuzz-mapping.yaml');
        const surface = new MemorySurface('fuzz');
        compileMapping(m, store, surface, { id: 'fuzz', scheduler }).dispose();
        void surface.close();
      } catch (e) {
        checkConfigError(e, 'fuzz-mapping.yaml');
        c.refused++;
        return;
      }
      c.ok++;
    },
    finish: mixCheck('mapping-file', c),
  };
}

/** State files: truncated, hand-edited, of the wrong shape; restore applies what is valid and clamps. */
export function stateFileTarget(): FuzzTarget<string> {
  const c = { ok: 0, refused: 0 };
  const store = fuzzStore();
  store.set('/ch/1/fader', -Infinity, 'api');
  store.set('/ch/2/name', 'Snare top', 'api');
  const good = JSON.stringify({ format: 'faderd-state', version: 1, session: 'fuzz', saved: new Date(0).toISOString(), params: encodeValues(store.snapshot()) }, null, 1);
  const lines = good.split('\n');
  return {
    name: 'state-file',
    generate(r: Rng) {
      // Whole-file mutations seldom touch a value, so also edit a few value lines by hand.
      if (r.chance(0.5)) return r.chance(0.2) ? good.slice(0, r.int(good.length)) : mutateText(r, good);
      const out = lines.slice();
      for (let k = 0; k < 1 + r.int(4); k++) {
        const i = 5 + r.int(out.length - 7);
        out[i] = out[i]!.replace(/: .*?(,?)$/, (_m, comma: string) => `: ${r.pick(['99', '-1e9', '"loud"', 'null', 'true', '[1]', '{}', '"-inf"', '"inf"', '1e999', '"12"', '""', '"x\\u0000y"'])}${comma}`);
      }
      return out.join('\n');
    },
    feed(text) {
      let parsed;
      try {
        parsed = parseStateText(text);
      } catch (e) {
        if (!(e instanceof StateFormatError)) throw new Error(`expected a StateFormatError, got ${(e as Error)?.stack ?? String(e)}`);
        c.refused++;
        return;
      }
      c.ok++;
      applyValues(store, parsed.params, 'state', 'state.json');
      checkStore(store);
    },
    finish: mixCheck('state-file', c),
  };
}

export function sceneFileTarget(): FuzzTarget<string> {
  const c = { ok: 0, refused: 0 };
  // A small mix keeps each YAML parse short; the shapes are the same as a big one's.
  const store = fuzzStore('channels: 2\nbuses: 1\nsafety: { maxGainDb: 0 }\n');
  const good = sceneYaml('Verse', store.snapshot());
  return {
    name: 'scene-file',
    generate: (r: Rng) => mutateText(r, good),
    feed(text) {
      let scene;
      try {
        scene = parseScene(text, 'Verse.yaml');
      } catch (e) {
        checkConfigError(e, 'Verse.yaml');
        c.refused++;
        return;
      }
      c.ok++;
      applyValues(store, scene.params, 'scene', 'Verse.yaml');
      checkStore(store);
    },
    finish: mixCheck('scene-file', c),
  };
}
