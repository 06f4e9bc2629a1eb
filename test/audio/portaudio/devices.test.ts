import { describe, expect, it } from 'vitest';
import { chooseDevice, DeviceNotFoundError } from '../../../src/audio/portaudio/devices.ts';
import type { PaDeviceInfo } from '../../../src/audio/portaudio/addon.ts';

const dev = (id: number, name: string, inCh = 2, outCh = 2): PaDeviceInfo => ({ id, name, maxInputChannels: inCh, maxOutputChannels: outCh, defaultSampleRate: 48000, defaultLowOutputLatency: 0.01, hostAPIName: 'ALSA' });
const devices = [dev(0, 'HDA Intel PCH: ALC257 Analog (hw:0,0)'), dev(1, 'Scarlett 18i20 USB: Audio (hw:1,0)', 18, 20), dev(2, 'Mic only', 2, 0), dev(3, 'default'), dev(4, 'scarlett')];

describe('chooseDevice', () => {
  it('by id, exact name, substring (case-insensitive) or /regex/', () => {
    expect(chooseDevice(devices, 1).id).toBe(1);
    expect(chooseDevice(devices, '1').id).toBe(1);
    expect(chooseDevice(devices, 'scarlett').id).toBe(4); // exact name wins
    expect(chooseDevice(devices, 'SCARLETT 18').id).toBe(1);
    expect(chooseDevice(devices, '/18i\\d+/').id).toBe(1);
  });
  it('without a pattern prefers the system default route', () => {
    expect(chooseDevice(devices, undefined).name).toBe('default');
  });
  it('skips devices with no outputs and says what to run when nothing matches', () => {
    expect(() => chooseDevice(devices, 'Mic only')).toThrow(DeviceNotFoundError);
    expect(() => chooseDevice(devices, 'RME')).toThrow(/no audio output device matches "RME" \(run "faderd devices"\)/);
    expect(() => chooseDevice(devices, 42)).toThrow(/id 42/);
    expect(() => chooseDevice([], undefined)).toThrow(/no audio output device found/);
    expect(() => chooseDevice(devices, '/[/')).toThrow(/bad device pattern/);
  });
});
