/**
 * The composition root of `faderd run`: builds every part with constructor injection and wires them
 * in one visible place: param store ← session params ← saved state; scenes; the engine worker (audio);
 * the native OSC server, the X32 server and the web mixer; the control surfaces and their mappings;
 * the status line. Teardown runs in reverse order. It never exits the process and installs no signal
 * handlers: the command file owns those.
 */
import type { Logger } from 'pino';
import { ParamRegistry } from '../params/registry.ts';
import { ParamStore } from '../params/store.ts';
import type { Session } from '../params/session.ts';
import { StateManager, defaultStateDir, applyValues } from '../params/persistence.ts';
import { SceneLibrary } from '../params/scenes.ts';
import { EngineHost, type AudioStatus } from '../engine/worker/host.ts';
import type { AudioConfig } from '../audio/index.ts';
import type { FromWorker } from '../engine/worker/protocol.ts';
import { NativeOscServer } from '../servers/native-osc.ts';
import { startX32Server } from '../servers/x32/start.ts';
import { WebMixerServer } from '../servers/http/server.ts';
import { mixerLayout } from '../servers/http/layout.ts';
import { StatusReporter } from './status.ts';
import { SurfaceSet, surfaceIds } from './surfaces.ts';
import { autoSurfaceIds } from './hotplug.ts';
import type { listMidiPorts } from '../surfaces/midi/ports.ts';
import type { TransportOptions } from '../surfaces/index.ts';
import { logger } from '../util/log.ts';
import { X32Server } from '../servers/x32/server.ts';
import { checkParams, checkSurfaceMappings, diffSessions, ReloadError, swapIn } from './reload.ts';

export interface DaemonOptions {
  readonly session: Session;
  /** Overrides of the session's audio settings (command-line flags). */
  readonly audio?: { readonly device?: string | number; readonly blockFrames?: number; readonly demo?: boolean; readonly backend?: AudioConfig['backend']; readonly primeBlocks?: number };
  readonly oscPort?: number;
  /** The X32 server's UDP port instead of the session's (`--x32-port`). */
  readonly x32Port?: number;
  /** Command-line overrides of the session's `http`: its port, and `enabled: false` for --no-http. */
  readonly http?: { readonly port?: number; readonly enabled?: boolean };
  readonly stateDir?: string;
  /** Module exporting createEngine; tests pass a small engine. */
  readonly engineModule?: string;
  readonly statusIntervalMs?: number;
  readonly log?: Logger;
  /** MIDI port discovery for shipped-mapping auto-load (tests inject one). */
  readonly midiPorts?: typeof listMidiPorts;
  /** Where surface transports find their devices (tests pass a simulated MIDI backend or serial port list). */
  readonly transports?: TransportOptions;
  /** How often MIDI ports are listed for surfaces plugged in while running (default 2000 ms). */
  readonly hotplugPollMs?: number;
}

export interface DaemonInfo {
  readonly session: string;
  readonly audio: AudioStatus;
  readonly sampleRate: number;
  readonly blockFrames: number;
  readonly osc?: { readonly host: string; readonly port: number };
  readonly x32?: { readonly host: string; readonly port: number };
  /** Where the web mixer is served, or why it is not (it is off when the session or a flag says so). */
  readonly http?: { readonly host: string; readonly port: number } | { readonly problem: string };
  readonly stateDir: string;
  readonly restored: number;
  /** Surfaces running, and one message per surface that could not start. */
  readonly surfaces: readonly string[];
  readonly surfaceProblems: readonly string[];
}

/** Builds the audio config from the session and command-line overrides. */
export function audioConfigFor(session: Session, o: DaemonOptions['audio'] = {}): AudioConfig {
  const device = o.device ?? session.audio.device;
  return {
    backend: o.backend ?? session.audio.backend,
    ...(device !== undefined ? { device } : {}),
    sampleRate: session.audio.sampleRate,
    blockFrames: o.blockFrames ?? session.audio.blockSize,
    demo: o.demo || session.audio.demo ? true : 'auto',
    latency: session.audio.latency,
    connect: session.audio.connect,
    ...(o.primeBlocks !== undefined ? { primeBlocks: o.primeBlocks } : session.audio.primeBlocks !== undefined ? { primeBlocks: session.audio.primeBlocks } : {}),
  };
}

export class Daemon {
  readonly store: ParamStore;
  private hungAudio = false;
  private readonly log: Logger;
  private session: Session;
  private state: StateManager | undefined;
  private scenes: SceneLibrary | undefined;
  private engine: EngineHost | undefined;
  private osc: NativeOscServer | undefined;
  private x32: X32Server | undefined;
  /** The OSC server the web mixer speaks through when the session turns OSC off: loopback, any port. */
  private webOnlyOsc: NativeOscServer | undefined;
  private web: WebMixerServer | undefined;
  private surfaces: SurfaceSet | undefined;
  private status: StatusReporter | undefined;
  private readonly audio: AudioConfig;
  /** Ids of the surfaces with status params: the session's, and those shipped mappings may attach. */
  private readonly surfaceIds: readonly string[];
  private lastAudioState = '';

  constructor(private readonly opts: DaemonOptions) {
    this.log = opts.log ?? logger(import.meta.url);
    this.session = opts.session;
    // A session that lists no surfaces gets the shipped mappings of the MIDI surfaces plugged in, at
    // start or later: their status params exist from the start.
    const auto = this.session.autoSurfaces && this.session.surfaces.length === 0 ? autoSurfaceIds() : [];
    this.surfaceIds = [...surfaceIds(this.session), ...auto];
    this.store = new ParamStore(ParamRegistry.fromSession(this.session, { surfaceIds: this.surfaceIds }));
    this.audio = audioConfigFor(this.session, opts.audio);
  }

  private newSurfaceSet(): SurfaceSet {
    return new SurfaceSet(this.store, this.log, {
      ...(this.opts.transports ? { transports: this.opts.transports } : {}),
      ...(this.opts.midiPorts ? { midiPorts: this.opts.midiPorts } : {}),
      ...(this.opts.hotplugPollMs ? { hotplugPollMs: this.opts.hotplugPollMs } : {}),
    });
  }

  async start(): Promise<DaemonInfo> {
    const session = this.session;
    const warnings = applyValues(this.store, session.params, 'session', session.file ?? '<default session>').warnings;
    for (const w of warnings) this.log.warn(w);
    const stateDir = this.opts.stateDir ?? defaultStateDir(session);
    this.state = new StateManager(this.store, stateDir, { autosaveMs: session.state.autosaveMs, sessionName: session.name });
    const { restored } = this.state.restore();
    this.state.start();
    this.scenes = new SceneLibrary(this.store, stateDir);
    this.scenes.bindActions();

    this.engine = new EngineHost(this.store, session, {
      audio: this.audio,
      surfaceIds: this.surfaceIds,
      ...(this.opts.engineModule ? { engineModule: this.opts.engineModule } : {}),
      onEvent: (e) => this.onEngineEvent(e),
    });
    const audio = await this.engine.start();

    const osc = await this.startOsc(session);
    this.x32 = await startX32Server(this.store, session, this.log, this.opts.x32Port);
    const http = await this.startWeb(session);
    this.surfaces = this.newSurfaceSet();
    const surfaceProblems = this.surfaces.start(session);
    this.status = new StatusReporter(this.store, this.log, this.opts.statusIntervalMs ?? 5000, () => this.engineHost?.overflowed ?? 0);
    this.status.start();
    return {
      session: session.name,
      audio,
      sampleRate: this.audio.sampleRate,
      blockFrames: this.audio.blockFrames,
      ...(osc ? { osc } : {}),
      ...(this.x32 ? { x32: { host: session.x32.host, port: this.x32.port } } : {}),
      ...(http ? { http } : {}),
      stateDir,
      restored,
      surfaces: this.surfaces.ids,
      surfaceProblems,
    };
  }

  /** The native OSC server's settings from a session, the same at start and on reload. */
  private oscOptions(s: Session): ConstructorParameters<typeof NativeOscServer>[1] {
    return {
      host: s.osc.host,
      port: this.opts.oscPort ?? s.osc.port,
      allow: s.osc.allow,
      readOnly: s.osc.readOnly,
      ...(s.osc.websocketPort !== undefined ? { websocketPort: s.osc.websocketPort } : {}),
      // Browser pages may open the OSC WebSocket as they may the web mixer's /osc: its own page, the session's origins.
      origins: s.http.origins,
      hostnames: s.http.hostnames,
      pagePorts: (this.opts.http?.enabled ?? s.http.enabled) ? [this.opts.http?.port ?? s.http.port] : [],
      statusIntervalMs: 1000,
      remotes: s.osc.remotes,
      echo: s.osc.echo,
      ...(s.osc.pacing !== undefined ? { pacing: s.osc.pacing } : {}),
    };
  }

  private async startOsc(session: Session): Promise<{ host: string; port: number } | undefined> {
    if (!session.osc.enabled) return undefined;
    const server = new NativeOscServer(this.store, this.oscOptions(session));
    await server.start();
    this.osc = server;
    return { host: session.osc.host, port: server.port };
  }

  /**
   * The web mixer. Its settings are checked like the OSC server's (a bad list stops the start), but a
   * port already taken only costs the page: audio, OSC and surfaces run on, and the start line says why.
   */
  private async startWeb(session: Session): Promise<DaemonInfo['http']> {
    const enabled = this.opts.http?.enabled ?? session.http.enabled;
    if (!enabled) return undefined;
    const { host } = session.http;
    let osc = this.osc;
    if (!osc) {
      osc = this.webOnlyOsc = new NativeOscServer(this.store, { host: '127.0.0.1', port: 0 });
      await osc.start();
    }
    const web = new WebMixerServer({
      host,
      port: this.opts.http?.port ?? session.http.port,
      allow: session.http.allow,
      readOnly: session.http.readOnly,
      origins: session.http.origins,
      hostnames: session.http.hostnames,
      osc: { acceptWebSocket: (...a) => osc.acceptWebSocket(...a) },
      layout: () => mixerLayout(this.session, this.store.registry, this.audio.sampleRate, surfaceIds(this.session)),
      scenes: () => this.scenes?.list() ?? [],
    });
    try {
      await web.start();
    } catch (e) {
      this.log.warn((e as Error).message);
      return { problem: (e as Error).message };
    }
    this.web = web;
    return { host, port: web.port };
  }

  private async stopWeb(): Promise<void> {
    const web = this.web;
    this.web = undefined;
    await web?.close().catch((e: unknown) => this.log.warn(`web mixer close: ${(e as Error).message}`));
    const osc = this.webOnlyOsc;
    this.webOnlyOsc = undefined;
    await osc?.close().catch((e: unknown) => this.log.warn(`OSC server close: ${(e as Error).message}`));
  }

  private onEngineEvent(e: FromWorker): void {
    if (e.type === 'log') this.log[e.level](e.msg);
    else if (e.type === 'audio' && e.state !== this.lastAudioState) {
      this.lastAudioState = e.state;
      // One line per transition, so a missing device is reported once, not at every retry.
      if (e.state === 'fallback') this.log.warn({ device: e.device, reason: e.reason }, `audio device unavailable, running on the null clock and retrying: ${e.reason}`);
      else this.log.info({ device: e.device, state: e.state }, `audio ${e.state} on ${e.device}`);
    } else if (e.type === 'fatal') this.log.error(e.message);
  }

  /**
   * Applies what can change live from a re-read session (SIGHUP), as a transaction: the OSC listener
   * (host, port, allow and read-only lists), the X32 server, the web mixer, the surfaces and the params
   * block are built and checked first; only when all succeeded are they swapped in. A listener that
   * keeps its address can only be rebound once the old one closed: if that fails, the old one is
   * started again. Structural changes (channels, buses, audio) need a restart.
   */
  async reload(next: Session): Promise<{ applied: string[]; needsRestart: string[] }> {
    const prev = this.session;
    const diff = diffSessions(prev, next);
    const applied: string[] = [];
    const oscOptions = (s: Session) => this.oscOptions(s);
    const x32Options = (s: Session) => ({ host: s.x32.host, port: this.opts.x32Port ?? s.x32.port, allow: s.x32.allow, readOnly: s.x32.readOnly, name: 'faderd', ...(s.x32.pacing !== undefined ? { pacing: s.x32.pacing } : {}) });
    // 1. Build and check; nothing running changes here.
    const started: Array<{ close(): Promise<void> }> = [];
    let osc: { server: NativeOscServer | undefined; rebind: boolean } | undefined;
    let x32: { server: X32Server | undefined; rebind: boolean } | undefined;
    try {
      if (diff.surfaces) checkSurfaceMappings(next);
      if (diff.params) checkParams(this.store, next);
      if (diff.osc) {
        const server = next.osc.enabled ? new NativeOscServer(this.store, oscOptions(next)) : undefined;
        if (server?.configProblem) throw new ReloadError(server.configProblem);
        const o = oscOptions(next);
        const rebind = !!server && !!this.osc && o.host === prev.osc.host && o.port === this.osc.port;
        if (server && !rebind) {
          await server.start();
          started.push(server);
        }
        osc = { server, rebind };
      }
      if (diff.x32) {
        const server = next.x32.enabled ? new X32Server(this.store, x32Options(next)) : undefined;
        if (server?.configProblem) throw new ReloadError(server.configProblem);
        const rebind = !!server && !!this.x32 && next.x32.host === prev.x32.host && x32Options(next).port === this.x32.port;
        if (server && !rebind) {
          await server.start();
          started.push(server);
        }
        x32 = { server, rebind };
      }
    } catch (e) {
      for (const s of started) await s.close().catch(() => undefined);
      throw e;
    }
    // 2. Swap. The web mixer's sockets live on the OSC server: a new OSC server means a new web mixer.
    if (diff.osc || diff.http) await this.stopWeb();
    try {
      if (osc) {
        await this.osc?.close().catch((e: unknown) => this.log.warn(`OSC server close: ${(e as Error).message}`));
        this.osc = osc.server;
        if (osc.rebind) await swapIn(osc.server!, () => new NativeOscServer(this.store, oscOptions(prev)), (s) => (this.osc = s), this.log);
        applied.push('osc');
      }
      if (x32) {
        await this.x32?.close().catch((e: unknown) => this.log.warn(`X32 server close: ${(e as Error).message}`));
        this.x32 = x32.server;
        if (x32.rebind) await swapIn(x32.server!, () => new X32Server(this.store, x32Options(prev)), (s) => (this.x32 = s), this.log);
        applied.push('x32');
      }
    } catch (e) {
      // A listener could not take its address back: the previous one runs again; so does the web mixer.
      if (diff.osc || diff.http) await this.startWeb(prev);
      throw new ReloadError(`${(e as Error).message}${applied.length ? ` (already applied: ${applied.join(', ')})` : ''}`);
    }
    if (diff.osc || diff.http) {
      await this.startWeb(next);
      if (diff.http) applied.push('http');
    }
    if (diff.surfaces) {
      // Ids must exist in the registry (built at start) to show status.
      await this.surfaces?.close();
      this.surfaces = this.newSurfaceSet();
      this.surfaces.start(next);
      applied.push('surfaces');
    }
    if (diff.params) {
      for (const w of applyValues(this.store, next.params, 'session', next.file ?? '<session>').warnings) this.log.warn(w);
      applied.push('params');
    }
    this.session = { ...next, channels: prev.channels, buses: prev.buses, fx: prev.fx, master: prev.master, audio: prev.audio, safety: prev.safety, state: prev.state };
    return { applied, needsRestart: diff.needsRestart };
  }

  /** The status line now (also logged periodically). */
  statusLine(): string | undefined {
    return this.status?.report();
  }

  get engineHost(): EngineHost | undefined {
    return this.engine;
  }

  /** After stop(): an audio device hung and holds a thread, so the process cannot exit by itself. */
  get audioHung(): boolean {
    return this.hungAudio;
  }

  get oscServer(): NativeOscServer | undefined {
    return this.osc;
  }

  get x32Server(): X32Server | undefined {
    return this.x32;
  }

  get webMixer(): WebMixerServer | undefined {
    return this.web;
  }

  /**
   * Stops everything in reverse order of construction and saves state. Idempotent. A failed save does
   * not stop the teardown (sockets left open would keep the process alive): it is reported in
   * `stopResult`, with the params whose changes are lost and where the last good state is.
   */
  async stop(): Promise<void> {
    const state = this.state;
    const save = (): string | undefined => {
      try {
        state?.flush();
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    };
    // State first: stopping a hung audio device can take the rest of the time a stop has.
    let saveError = save();
    this.status?.stop();
    this.status = undefined;
    const surfaces = this.surfaces;
    this.surfaces = undefined;
    await surfaces?.close();
    await this.stopWeb();
    const osc = this.osc;
    this.osc = undefined;
    await osc?.close().catch((e: unknown) => this.log.warn(`OSC server close: ${(e as Error).message}`));
    const x32 = this.x32;
    this.x32 = undefined;
    await x32?.close().catch((e: unknown) => this.log.warn(`X32 server close: ${(e as Error).message}`));
    const engine = this.engine;
    this.engine = undefined;
    await engine?.stop();
    if (engine?.hung) this.hungAudio = true;
    this.scenes?.dispose();
    this.scenes = undefined;
    if (state) {
      state.stop();
      // Again, with whatever the teardown changed; a disk that came back is used.
      saveError = save();
    }
    this.state = undefined;
    if (!state || saveError === undefined) return;
    const lastGood = state.lastGood();
    this.stopResult = { saveError, unsaved: state.unsavedAddresses, ...(lastGood ? { lastGood } : {}) };
  }

  /** What the last stop() could not do (empty when the final save worked). */
  stopResult: StopResult = {};
}

export interface StopResult {
  /** Why the final save failed; absent when everything is on disk. */
  readonly saveError?: string;
  /** The params whose last changes are not on disk. */
  readonly unsaved?: readonly string[];
  /** The newest complete state file left on disk, and when it was saved. */
  readonly lastGood?: { readonly file: string; readonly saved?: string };
}
