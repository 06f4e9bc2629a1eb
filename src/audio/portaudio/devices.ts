/** Audio device discovery and selection by name pattern or id. */
import { loadAddon, type PaDeviceInfo } from './addon.ts';

export class DeviceNotFoundError extends Error {
  override name = 'DeviceNotFoundError';
}

/** Every PortAudio device, or the reason there are none. */
export function listAudioDevices(): PaDeviceInfo[] | { unavailable: string } {
  try {
    return loadAddon().getDevices();
  } catch (e) {
    return { unavailable: (e as Error).message };
  }
}

/**
 * Picks a device: a number is an id; a string is a case-insensitive substring or a /regex/; an exact
 * name wins over a substring match. Without a pattern: the first device with outputs, preferring ALSA's
 * "default"/"pulse"/"pipewire" routes when the system has them. Only devices with outputs qualify.
 */
export function chooseDevice(devices: readonly PaDeviceInfo[], pattern: string | number | undefined): PaDeviceInfo {
  const usable = devices.filter((d) => d.maxOutputChannels > 0);
  if (pattern === undefined) {
    const preferred = usable.find((d) => /^(default|pulse|pipewire)$/i.test(d.name)) ?? usable[0];
    if (!preferred) throw new DeviceNotFoundError('no audio output device found');
    return preferred;
  }
  if (typeof pattern === 'number' || /^\d+$/.test(pattern)) {
    const id = Number(pattern);
    const d = usable.find((x) => x.id === id);
    if (!d) throw new DeviceNotFoundError(`no audio output device with id ${id} (run "faderd devices")`);
    return d;
  }
  const exact = usable.find((d) => d.name === pattern);
  if (exact) return exact;
  const re = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  let test: (name: string) => boolean;
  if (re) {
    let rx: RegExp;
    try {
      rx = new RegExp(re[1]!, re[2]!.includes('i') ? re[2] : `${re[2]}i`);
    } catch (e) {
      throw new DeviceNotFoundError(`bad device pattern ${pattern}: ${(e as Error).message}`);
    }
    test = (n) => rx.test(n);
  } else {
    const p = pattern.toLowerCase();
    test = (n) => n.toLowerCase().includes(p);
  }
  const d = usable.find((x) => test(x.name));
  if (!d) throw new DeviceNotFoundError(`no audio output device matches "${pattern}" (run "faderd devices")`);
  return d;
}
