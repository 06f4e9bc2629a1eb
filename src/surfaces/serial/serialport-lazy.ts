/**
 * The serialport package, loaded at first use: it loads its native addon and a dozen parsers, ~5 MB of
 * RSS that a daemon with no serial surface (the default session) never needs.
 */
import { createRequire } from 'node:module';
import type { SerialPort } from 'serialport';

let cached: typeof SerialPort | undefined;

export function serialPort(): typeof SerialPort {
  cached ??= (createRequire(import.meta.url)('serialport') as { SerialPort: typeof SerialPort }).SerialPort;
  return cached;
}
