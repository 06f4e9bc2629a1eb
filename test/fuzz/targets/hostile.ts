/**
 * Fuzz targets for hostile input (issue #14): OSC dispatch with address patterns built to backtrack,
 * long unknown addresses and non-finite values; the WebSocket path (frames of every shape, browser
 * headers); WAV files; and the file readers pointed at FIFOs, devices, directories and big files.
 * Each input must cost bounded time (the long run reports the worst) and leave the mix valid.
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeOscServer } from '../../../src/servers/native-osc.ts';
import { ParamError } from '../../../src/params/errors.ts';
import { encodeMessage, type OscMessage, type WsSocket } from '../../../src/surfaces/osc/codec.ts';
import { browserGuard } from '../../../src/util/browser-guard.ts';
import { decodeWav, encodeWav, WavError } from '../../../src/audio/file/wav.ts';
import { FILE_LIMITS, FileReadError, readRegularText } from '../../../src/util/read-file.ts';
import type { FuzzTarget } from '../harness.ts';
import { mutateBytes, type Rng } from '../rng.ts';
import { checkStore, fuzzStore } from '../invariants.ts';
import { oscInput, randomArg, OSC_ADDRESSES } from './osc.ts';

const PATTERN_ATOMS = ['*', '**', '?', '[0-9]', '[!a-c]', '[a-]', '{ch,bus}', '{1,2,,3}', 'ch', 'fader', '1', 'x', '/', '[', '{', ']', '}', ','];

/** An address built to hurt a matcher: runs of stars, brackets, alternatives, up to 64 KB. */
function hostileAddress(r: Rng): string {
  switch (r.int(6)) {
    case 0:
      return '/' + '*'.repeat(r.size(300)) + r.pick(['x', '', 'fader']);
    case 1:
      return '/' + r.pick(['ch', '*', '{ch,bus}']) + '/' + Array.from({ length: r.size(120) }, () => r.pick(PATTERN_ATOMS)).join('');
    case 2:
      return '/' + r.pick(['q', 'ch/1/fadr', 'a/']).repeat(r.size(8000));
    case 3:
      return '/' + ('*{,}').repeat(r.size(100)) + 'x';
    default:
      return r.pick(OSC_ADDRESSES);
  }
}

const NUMBERS = [Infinity, -Infinity, NaN, 1e308, -1e308, 1e-320, 0, 0.5, 1];

function hostileMessage(r: Rng): OscMessage {
  const address = r.chance(0.15) ? r.pick(['/subscribe', '/unsubscribe']) : (r.chance(0.3) ? '/norm' : '') + hostileAddress(r);
  const args = address === '/subscribe' || address === '/unsubscribe'
    ? Array.from({ length: r.size(4) }, () => ({ type: 's' as const, value: hostileAddress(r) }))
    : r.chance(0.3) ? [] : [r.chance(0.5) ? { type: r.pick(['f', 'd'] as const), value: r.pick(NUMBERS) } : randomArg(r)];
  return { address, args };
}

/** The server's dispatch (what a packet does once decoded), driven without sockets. */
interface Dispatch {
  onPacket(peer: string, messages: readonly OscMessage[]): void;
}

export function oscDispatchTarget(): FuzzTarget<OscMessage[]> {
  const store = fuzzStore();
  const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0 });
  const dispatch = server as unknown as Dispatch;
  return {
    name: 'osc-dispatch',
    generate: (r) => Array.from({ length: 1 + r.int(3) }, () => hostileMessage(r)),
    feed(messages, i) {
      try {
        dispatch.onPacket(`10.0.${i & 255}.${(i >> 8) & 255}:9000`, messages);
      } catch (e) {
        // onPacket handles ParamErrors per message; anything escaping is a bug.
        if (!(e instanceof ParamError)) throw e;
      }
      if ((i & 63) === 0) checkStore(store);
    },
    finish() {
      checkStore(store);
      dispatch.onPacket('127.0.0.1:1', [{ address: '/ch/1/fader', args: [{ type: 'f', value: -6 }] }]);
      if (store.get('/ch/1/fader') !== -6) throw new Error('a good message no longer applies');
    },
  };
}

/** A WebSocket as the server sees it: events it can be made to emit, sends it swallows. */
class FakeSocket extends EventEmitter {
  readyState = 1;
  send(): void {}
  terminate(): void {
    this.readyState = 3;
    this.emit('close');
  }
}

const HOSTS = ['127.0.0.1:9080', 'localhost', '[::1]:9080', 'attacker.example', '', 'a'.repeat(400), '127.0.0.1:99999', '[::1', 'mixer.local:80'];
const ORIGINS = [undefined, 'http://127.0.0.1:9080', 'https://desk.example', 'http://attacker.example', 'null', 'file://', 'http://[::1]:9080', 'x'.repeat(500)];

export function oscWebSocketTarget(): FuzzTarget<{ frames: Array<{ data: Buffer | ArrayBuffer | Buffer[]; binary: boolean }>; host: string; origin: string | undefined }> {
  const store = fuzzStore();
  // Bundles timed 10 s ahead are held (bounded): a small bound keeps them out of the memory check.
  const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0, maxScheduledBytes: 64 << 10 });
  const guard = browserGuard({ pagePorts: [9080], origins: ['https://desk.example'], hostnames: ['mixer.local'] });
  let accepted = 0;
  return {
    name: 'osc-websocket',
    generate(r) {
      const frames = Array.from({ length: 1 + r.int(4) }, () => {
        const bytes = r.chance(0.5) ? encodeMessage(hostileAddress(r).slice(0, 2000), [randomArg(r)]) : oscInput(r, 8192);
        const b = Buffer.from(bytes);
        const k = r.int(4);
        const data = k === 0 ? [b.subarray(0, b.length >> 1), b.subarray(b.length >> 1)] : k === 1 ? b.buffer.slice(b.byteOffset, b.byteOffset + b.length) : b;
        return { data, binary: r.chance(0.9) };
      });
      return { frames, host: r.pick(HOSTS), origin: r.pick(ORIGINS) };
    },
    feed(input, i) {
      const v = guard({ host: input.host, ...(input.origin !== undefined ? { origin: input.origin } : {}) });
      if (typeof v.ok !== 'boolean') throw new Error('the browser guard gave no verdict');
      if (!v.ok) return;
      accepted++;
      const sock = new FakeSocket();
      server.acceptWebSocket(sock as unknown as WsSocket, '127.0.0.1', 40000 + (i & 1023), (i & 7) === 0);
      for (const f of input.frames) sock.emit('message', f.data, f.binary);
      sock.terminate();
      if ((i & 63) === 0) checkStore(store);
    },
    finish() {
      checkStore(store);
      if (accepted === 0) throw new Error('no input passed the browser guard');
    },
  };
}

function wellFormedWav(r: Rng): Uint8Array {
  const channels = Array.from({ length: 1 + r.int(2) }, () => Float32Array.from({ length: r.size(64) }, () => r.float() * 2 - 1));
  return encodeWav(channels, r.pick([44100, 48000, 96000]), { bitDepth: r.pick(['16', '24', '32', '32f'] as const) });
}

export function wavFileTarget(): FuzzTarget<Uint8Array> {
  let decoded = 0;
  let refused = 0;
  return {
    name: 'wav-file',
    generate: (r) => (r.chance(0.15) ? wellFormedWav(r) : r.chance(0.9) ? mutateBytes(r, wellFormedWav(r), 1 << 16) : r.bytes(r.size(512))),
    feed(input) {
      let wav;
      try {
        wav = decodeWav(input, 'fuzz.wav');
      } catch (e) {
        if (!(e instanceof WavError)) throw e;
        refused++;
        return;
      }
      decoded++;
      if (!(wav.sampleRate > 0) || wav.channels.length === 0) throw new Error(`decoded a WAV with rate ${wav.sampleRate} and ${wav.channels.length} channels`);
      const n = wav.channels[0]!.length;
      for (const c of wav.channels) {
        if (c.length !== n) throw new Error('channels of different lengths');
        for (const x of c) if (!Number.isFinite(x)) throw new Error(`a non-finite sample ${x}`);
      }
    },
    finish() {
      if (decoded === 0 || refused === 0) throw new Error(`the inputs should mix good and bad files: ${decoded} decoded, ${refused} refused`);
    },
  };
}

/** Paths to files of every hostile kind, made once per target in a temporary folder. */
function hostileFiles(): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-fuzz-files-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const at = (n: string) => path.join(dir, n);
  fs.writeFileSync(at('small.yaml'), 'channels: 4\n');
  fs.writeFileSync(at('empty.yaml'), '');
  fs.writeFileSync(at('big.yaml'), Buffer.alloc(FILE_LIMITS.session + 1, 0x20));
  fs.writeFileSync(at('limit.yaml'), Buffer.alloc(FILE_LIMITS.session, 0x20));
  fs.symlinkSync('/dev/zero', at('zero.yaml'));
  fs.symlinkSync('/dev/urandom', at('urandom.yaml'));
  fs.symlinkSync(at('nowhere'), at('dangling.yaml'));
  fs.symlinkSync(at('loop-b'), at('loop-a'));
  fs.symlinkSync(at('loop-a'), at('loop-b'));
  fs.mkdirSync(at('dir.yaml'));
  execFileSync('mkfifo', [at('fifo.yaml')]);
  return ['small.yaml', 'empty.yaml', 'big.yaml', 'limit.yaml', 'zero.yaml', 'urandom.yaml', 'dangling.yaml', 'loop-a', 'dir.yaml', 'fifo.yaml', 'missing.yaml'].map(at);
}

export function fileReaderTarget(): FuzzTarget<{ file: string; kind: string }> {
  let files: string[] | undefined;
  let read = 0;
  let refused = 0;
  return {
    name: 'file-readers',
    generate(r) {
      files ??= hostileFiles();
      return { file: r.pick(files), kind: r.pick(['session', 'mapping', 'scene', 'state file']) };
    },
    feed({ file, kind }) {
      try {
        const text = readRegularText(file, kind);
        if (text.length > FILE_LIMITS[kind as keyof typeof FILE_LIMITS]) throw new Error(`read ${text.length} characters of a ${kind}`);
        read++;
      } catch (e) {
        if (!(e instanceof FileReadError)) throw e;
        if (!e.message.includes(path.basename(file)) && !/ENOENT|ELOOP|EISDIR/.test(e.message)) throw new Error(`a refusal that does not name the file: ${e.message}`);
        refused++;
      }
    },
    finish() {
      if (read === 0 || refused === 0) throw new Error(`the inputs should mix readable and refused files: ${read} read, ${refused} refused`);
    },
  };
}
