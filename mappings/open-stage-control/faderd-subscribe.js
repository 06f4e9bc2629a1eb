// Open Stage Control custom module for faderd's native OSC namespace (load it with
// `--custom-module faderd-subscribe.js` next to `--load faderd-8ch.json`).
//
// faderd sends the mix's changes to clients that subscribed within the last 10 s. This module
// subscribes when the server starts and renews every 5 s: to every param in the normalized form the
// faders, pans and mutes speak (/norm), and to names and meters in their units (text, dB, LUFS).
// Widget scripts cannot do it: they only send on a user interaction.

const FADERD_HOST = '127.0.0.1';
const FADERD_PORT = 9000;
const RENEW_MS = 5000;

function subscribe() {
  send(FADERD_HOST, FADERD_PORT, '/subscribe', '/norm');
  send(FADERD_HOST, FADERD_PORT, '/subscribe', '/ch/*/name', '/ch/*/meter/peak', '/master/meter/peak', '/master/meter/shortterm');
}

module.exports = {
  init: function () {
    subscribe();
    setInterval(subscribe, RENEW_MS);
  },
};
