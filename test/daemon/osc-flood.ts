/**
 * A separate process that sends OSC param changes at a steady rate: node osc-flood.ts PORT RATE SECONDS.
 * Sweeps /ch/1..8/fader and /ch/1..8/pan; the last message sets /ch/1/fader to -7.5 so the receiver
 * can check the stream arrived.
 */
import dgram from 'node:dgram';

function pad(s: string): Buffer {
  const b = Buffer.from(s + '\0');
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
}
function message(address: string, value: number): Buffer {
  const f = Buffer.alloc(4);
  f.writeFloatBE(value);
  return Buffer.concat([pad(address), pad(',f'), f]);
}

const [port, rate, seconds] = process.argv.slice(2).map(Number) as [number, number, number];
const sock = dgram.createSocket('udp4');
const total = rate * seconds;
const t0 = performance.now();
let sent = 0;
const tick = (): void => {
  const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
  while (sent < due) {
    const ch = (sent % 8) + 1;
    const msg = sent % 2 ? message(`/ch/${ch}/pan`, Math.sin(sent / 100)) : message(`/ch/${ch}/fader`, -30 + 25 * Math.abs(Math.sin(sent / 300)));
    sock.send(msg, port, '127.0.0.1');
    sent++;
  }
  if (sent < total) setTimeout(tick, 5);
  else {
    // UDP may drop a packet; the final value goes out three times.
    let n = 0;
    const last = (): void => {
      sock.send(message('/ch/1/fader', -7.5), port, '127.0.0.1');
      if (++n < 3) setTimeout(last, 50);
      else setTimeout(() => sock.close(), 50);
    };
    last();
  }
};
tick();
