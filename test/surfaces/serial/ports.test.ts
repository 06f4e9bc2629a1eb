import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSerialPorts, scanById } from '../../../src/surfaces/serial/ports.ts';

describe('serial port discovery', () => {
  it('scans a by-id directory, resolving links and skipping dangling ones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-byid-'));
    try {
      const dev = path.join(dir, 'ttyACM7');
      fs.writeFileSync(dev, '');
      fs.mkdirSync(path.join(dir, 'by-id'));
      fs.symlinkSync(dev, path.join(dir, 'by-id', 'usb-Arduino_LLC_Leonardo-if00'));
      fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'by-id', 'usb-Gone-if00'));
      expect(await scanById(path.join(dir, 'by-id'))).toEqual([{ path: fs.realpathSync(dev) }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says why ports cannot be listed when udevadm is missing, instead of throwing', async () => {
    const oldPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const r = await listSerialPorts();
      if (fs.existsSync('/dev/serial/by-id')) expect(Array.isArray(r)).toBe(true);
      else expect(r).toEqual({ unavailable: expect.stringMatching(/udevadm.*\/dev\/serial\/by-id does not exist/) });
    } finally {
      process.env.PATH = oldPath;
    }
  });
});
