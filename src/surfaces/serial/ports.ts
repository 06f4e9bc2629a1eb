/**
 * Serial port discovery. SerialPort.list() needs `udevadm` on Linux; where it fails we scan
 * /dev/serial/by-id and read USB ids from sysfs, and only report "unavailable" when both fail.
 * Pseudo-terminals (socat) are never listed: open them by path.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { serialPort } from './serialport-lazy.ts';

export interface SerialPortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
}

const BY_ID = '/dev/serial/by-id';

async function readSys(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** USB ids of a tty from sysfs: /sys/class/tty/ttyACM0/device is the USB interface; ids sit one up. */
async function usbInfo(devPath: string): Promise<Omit<SerialPortInfo, 'path'>> {
  const name = path.basename(devPath);
  const iface = `/sys/class/tty/${name}/device`;
  for (const dir of [path.join(iface, '..'), path.join(iface, '..', '..')]) {
    const vendorId = await readSys(path.join(dir, 'idVendor'));
    if (vendorId) {
      const productId = await readSys(path.join(dir, 'idProduct'));
      const manufacturer = await readSys(path.join(dir, 'manufacturer'));
      return { vendorId, ...(productId ? { productId } : {}), ...(manufacturer ? { manufacturer } : {}) };
    }
  }
  return {};
}

/** Scans a by-id directory (a parameter so it can be tested on a fake tree). */
export async function scanById(dir = BY_ID): Promise<SerialPortInfo[]> {
  const names = await fs.readdir(dir);
  const out: SerialPortInfo[] = [];
  for (const n of names.sort()) {
    const link = path.join(dir, n);
    let real: string;
    try {
      real = await fs.realpath(link);
    } catch {
      continue; // a dangling link: the device left while we looked
    }
    out.push({ path: real, ...(await usbInfo(real)) });
  }
  return out;
}

/** Every serial port the OS knows, or why they cannot be listed. Never throws. */
export async function listSerialPorts(): Promise<SerialPortInfo[] | { unavailable: string }> {
  let listError: string;
  try {
    const ports = await serialPort().list();
    return ports.map((p) => ({
      path: p.path,
      ...(p.vendorId ? { vendorId: p.vendorId } : {}),
      ...(p.productId ? { productId: p.productId } : {}),
      ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
    }));
  } catch (e) {
    listError = (e as Error).message;
  }
  try {
    return await scanById();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // No by-id directory just means no USB serial device is plugged in, when listing itself failed for want of udevadm.
    if (code === 'ENOENT') {
      return { unavailable: `cannot list serial ports (${listError}; install the udev package for udevadm) and ${BY_ID} does not exist: open devices by path` };
    }
    return { unavailable: `cannot list serial ports: ${listError}; scanning ${BY_ID} failed: ${(e as Error).message}` };
  }
}

const hexEq = (a: string | undefined, b: string): boolean => a !== undefined && parseInt(a, 16) === parseInt(b, 16);

/** The path of the first port with these USB ids, undefined when none is plugged in; throws when ports cannot be listed. */
export async function findSerialPortByUsbId(vendorId: string, productId?: string, list: () => Promise<SerialPortInfo[] | { unavailable: string }> = listSerialPorts): Promise<string | undefined> {
  const ports = await list();
  if (!Array.isArray(ports)) throw new Error(ports.unavailable);
  return ports.find((p) => hexEq(p.vendorId, vendorId) && (productId === undefined || hexEq(p.productId, productId)))?.path;
}
