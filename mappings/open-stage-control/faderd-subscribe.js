// Open Stage Control custom module for faderd's native OSC namespace (load it with
// `--custom-module faderd-subscribe.js` next to `--load faderd-8ch.json`).
//
// The layout must show the mix as it is from the first moment, or the first touch on a channel at
// -30 dB sends the layout's default. So this module:
//   - when the server starts, subscribes afresh (/unsubscribe, then /subscribe): faderd answers a new
//     subscription with the current value of everything it covers, then sends every change;
//   - renews every 5 s (faderd drops clients silent for 10 s); after faderd restarts, or after the
//     network was gone long enough for the subscription to lapse, the renewal is a new subscription
//     again and brings the whole mix back;
//   - when a tablet connects (or reconnects) to Open Stage Control, asks for the current values
//     (/get), so that tablet starts from the mix too.
// Faders, pans and mutes speak the normalized form (/norm); names and meters come in units.
// Widget scripts cannot do this: they only send on a user interaction.

const FADERD_HOST = '127.0.0.1';
const FADERD_PORT = 9000;
const RENEW_MS = 5000;
const NORMALIZED = ['/norm/ch/*/fader', '/norm/ch/*/pan', '/norm/ch/*/mute', '/norm/master/fader', '/norm/master/mute'];
const UNITS = ['/ch/*/name', '/ch/*/meter/peak', '/master/meter/peak', '/master/meter/shortterm'];

function subscribe() {
  send(FADERD_HOST, FADERD_PORT, '/subscribe', ...NORMALIZED, ...UNITS);
}

function current() {
  send(FADERD_HOST, FADERD_PORT, '/get', ...NORMALIZED, '/ch/*/name');
}

module.exports = {
  init: function () {
    send(FADERD_HOST, FADERD_PORT, '/unsubscribe');
    subscribe();
    setInterval(subscribe, RENEW_MS);
    // A tablet that connects or reconnects to Open Stage Control starts from the mix as it is.
    // Open Stage Control's server emits 'open' when a client connects and 'sessionOpened' once that
    // client has loaded its layout (src/server/callbacks.js): ask at both, so the values find widgets.
    if (typeof app !== 'undefined' && app && typeof app.on === 'function') {
      app.on('open', current);
      app.on('sessionOpened', current);
    }
  },
};
