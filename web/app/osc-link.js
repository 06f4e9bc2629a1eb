/**
 * The page's line to faderd: OSC over a WebSocket at /osc on the page's own host and port, one OSC
 * packet per binary frame (osc.js encodes and decodes). It reconnects by itself, quickly at first and
 * then every two seconds, for as long as the page is open; `onState` reports 'connecting', 'open' or
 * 'closed'. While open it renews the page's subscription well inside the daemon's 10 s timeout.
 */
const osc = globalThis.osc;

const RENEW_MS = 3000;
const RETRY_MS = [250, 500, 1000, 2000];

export class OscLink {
  constructor({ onOpen, onMessage, onState, renew }) {
    this.onOpen = onOpen;
    this.onMessage = onMessage;
    this.onState = onState;
    this.renew = renew;
    this.ws = undefined;
    this.retries = 0;
    this.timer = undefined;
    this.renewTimer = undefined;
    this.state = 'connecting';
  }

  get url() {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/osc`;
  }

  connect() {
    clearTimeout(this.timer);
    this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.retries = 0;
      this.setState('open');
      this.onOpen();
      this.renewTimer = setInterval(() => this.renew(), RENEW_MS);
    };
    ws.onmessage = (e) => {
      if (!(e.data instanceof ArrayBuffer)) return;
      let packet;
      try {
        packet = osc.readPacket(new Uint8Array(e.data), { metadata: false, unpackSingleArgs: false });
      } catch {
        return; // not OSC: nothing the page can use
      }
      this.dispatch(packet);
    };
    ws.onclose = () => {
      clearInterval(this.renewTimer);
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.setState('closed');
      this.retry();
    };
  }

  dispatch(packet) {
    if (packet.packets) for (const p of packet.packets) this.dispatch(p);
    else if (packet.address) this.onMessage(packet.address, packet.args ?? []);
  }

  retry() {
    const wait = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)];
    this.timer = setTimeout(() => this.connect(), wait);
  }

  setState(s) {
    if (s === this.state) return;
    this.state = s;
    this.onState(s);
  }

  get open() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends one message; args carry their OSC type tags ({ type: 'f', value: -6 }). Dropped while closed. */
  send(address, args = []) {
    if (!this.open) return;
    this.ws.send(osc.writePacket({ address, args }, { metadata: true }));
  }
}
