// Preloaded (`node --import`) into every benchmark child, including Portkey, which is plain JS and
// therefore runs without tsx: that is why this one file is .mjs.
// 1. Exits when the bench parent disappears (even if it was SIGKILLed), so no child outlives a run.
// 2. With BENCH_LOOPBACK_ONLY=1, forces servers that listen on "all interfaces" onto 127.0.0.1:
//    Portkey's start-server calls serve({ fetch, port }) without a hostname.
import net from 'node:net';

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1_000).unref();

if (process.env.BENCH_LOOPBACK_ONLY === '1') {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listenOnLoopback(...args) {
    if (typeof args[0] === 'number' && (args[1] === undefined || typeof args[1] === 'function')) {
      const [port, maybeCallback, ...rest] = args;
      return listen.call(this, port, '127.0.0.1', ...(maybeCallback === undefined ? rest : [maybeCallback, ...rest]));
    }
    if (args[0] && typeof args[0] === 'object' && 'port' in args[0] && !args[0].host) args[0] = { ...args[0], host: '127.0.0.1' };
    return listen.apply(this, args);
  };
}
