import { listAudioDevices } from '../../audio/portaudio/devices.ts';
import { listSerialPorts } from '../../surfaces/serial/ports.ts';
import { isFilteredChild, runFilteredChild } from '../../daemon/stdio-filter.ts';

type Unavailable = { unavailable: string };
type MidiPorts = { inputs: string[]; outputs: string[] } | Unavailable;

/** MIDI ports, loaded lazily: opening the MIDI addon is slow and noisy on machines without ALSA sequencer. */
async function midiPorts(): Promise<MidiPorts> {
  const url = new URL('../../surfaces/midi/ports.ts', import.meta.url).href;
  try {
    const mod = (await import(url)) as { listMidiPorts?: () => MidiPorts | Promise<MidiPorts> };
    if (!mod.listMidiPorts) return { unavailable: 'this build has no MIDI port listing' };
    return await mod.listMidiPorts();
  } catch (e) {
    return { unavailable: `cannot list MIDI ports: ${(e as Error).message.split('\n')[0]}` };
  }
}

export interface DeviceReport {
  audio: ReturnType<typeof listAudioDevices>;
  midi: MidiPorts;
  serial: Awaited<ReturnType<typeof listSerialPorts>>;
}

export async function collectDevices(): Promise<DeviceReport> {
  const [midi, serial] = await Promise.all([midiPorts(), listSerialPorts()]);
  return { audio: listAudioDevices(), midi, serial };
}

export function formatDevices(r: DeviceReport): string {
  const out: string[] = ['Audio devices:'];
  if (!Array.isArray(r.audio)) out.push(`  unavailable: ${r.audio.unavailable}`);
  else if (r.audio.length === 0) out.push('  none (faderd run uses the null clock)');
  else
    for (const d of r.audio)
      out.push(`  ${String(d.id).padStart(3)}  ${d.name}  (${d.hostAPIName}, in ${d.maxInputChannels}, out ${d.maxOutputChannels}, ${d.defaultSampleRate} Hz)`);
  out.push('MIDI ports:');
  if ('unavailable' in r.midi) out.push(`  unavailable: ${r.midi.unavailable}`);
  else {
    out.push(...(r.midi.inputs.length ? r.midi.inputs.map((n) => `  in   ${n}`) : ['  no inputs']));
    out.push(...(r.midi.outputs.length ? r.midi.outputs.map((n) => `  out  ${n}`) : ['  no outputs']));
  }
  out.push('Serial ports:');
  if (!Array.isArray(r.serial)) out.push(`  unavailable: ${r.serial.unavailable}`);
  else if (r.serial.length === 0) out.push('  none');
  else for (const p of r.serial) out.push(`  ${p.path}${p.vendorId ? `  (USB ${p.vendorId}:${p.productId ?? '?'}${p.manufacturer ? `, ${p.manufacturer}` : ''})` : ''}`);
  return out.join('\n') + '\n';
}

/** `faderd devices`: audio interfaces, MIDI ports and serial ports, as a user would pick them (options: specs.ts). */
export async function devices(opts: { json?: boolean }): Promise<void> {
  if (!isFilteredChild()) {
    process.exitCode = await runFilteredChild();
    return;
  }
  const r = await collectDevices();
  process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : formatDevices(r));
}
