// `aegis serve`: load the config (or the embedded defaults), start the gateway, hot-reload the
// config file, and shut down gracefully on SIGINT/SIGTERM/SIGHUP.
import { dirname, resolve } from 'node:path';
import { loadConfigFile, type AegisConfig } from '../config';
import { generateKey, isLoopbackHost, operatorKeyStore } from '../gateway';
import { redactingLogger } from '../rag';
import { flag, type ParsedArgs } from './args';
import { defaultConfig, parseUpstreamFlag } from './defaults';
import { createLogger } from './logger';
import { runtimeDir, writeOperatorToken } from './operator-token';
import { GatewayRuntime } from './runtime';
import { extendRuntime } from './wiring';

export async function serveCommand(args: ParsedArgs): Promise<number> {
  const file = flag(args, 'config') ?? process.env.AEGIS_CONFIG;
  const extra = (args.flags.get('upstream') ?? []).map(parseUpstreamFlag);
  let config: AegisConfig = file ? loadConfigFile(resolve(file)) : defaultConfig(extra);
  if (file && extra.length) config = { ...config, upstreams: [...config.upstreams, ...defaultConfig(extra).upstreams.slice(2)] };
  // Secrets are scrubbed from every log line, whatever a component passes in.
  const logger = redactingLogger(createLogger({ level: config.logging.level }));
  let host = flag(args, 'host') ?? config.server.host;
  const port = Number(flag(args, 'port') ?? process.env.AEGIS_PORT ?? config.server.port);

  const operatorToken = generateKey();
  const runtime = await GatewayRuntime.create(config, {
    logger,
    operatorToken: operatorKeyStore(operatorToken),
    extend: extendRuntime({ logger, configDir: file ? dirname(resolve(file)) : undefined, mongoUri: process.env.MONGODB_URI }),
  });
  if (runtime.snapshot.keys.size === 0) {
    if (!isLoopbackHost(host)) {
      logger.warn({ requested: host }, 'no API keys configured: refusing to listen beyond loopback; binding 127.0.0.1 instead');
      host = '127.0.0.1';
    }
    logger.warn('no API keys configured: serving unauthenticated on loopback only (add auth.keys to aegis.yaml, see `aegis keys create`)');
  }
  const { url, port: boundPort } = await runtime.listen(host, port);
  if (config.server.socket) logger.info({ socket: await runtime.listenSocket(config.server.socket) }, 'aegis listening on a local socket');
  const operator = writeOperatorToken(runtimeDir(), { url, port: boundPort, token: operatorToken });
  const models = runtime.snapshot.catalog.current().map((m) => m.name);
  logger.info({ url, config: file ?? '(embedded defaults)', upstreams: config.upstreams.map((u) => `${u.name}:${u.type}`), models }, 'aegis listening');

  const watcher = file ? runtime.watchConfigFile(resolve(file)) : undefined;

  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining in-flight requests');
      watcher?.close();
      operator.remove();
      void runtime.close().finally(done);
    };
    // SIGHUP: the terminal closed (on Windows, the console window; Windows ends the process about
    // ten seconds later whatever it does). Config changes reload by themselves, so it drains too.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  });
  logger.info('stopped');
  return 0;
}
