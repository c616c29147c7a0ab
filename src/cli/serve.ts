// `aegis serve`: load the config (or the embedded defaults), start the gateway, hot-reload the
// config file, and shut down gracefully on SIGINT/SIGTERM.
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { loadConfigFile, watchConfig, type AegisConfig } from '../config';
import { flag, type ParsedArgs } from './args';
import { defaultConfig, parseUpstreamFlag } from './defaults';
import { createLogger } from './logger';
import { redactingLogger } from '../rag';
import { GatewayRuntime } from './runtime';
import { extendRuntime } from './wiring';

const loopback = (host: string) => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

export async function serveCommand(args: ParsedArgs): Promise<number> {
  const file = flag(args, 'config') ?? process.env.AEGIS_CONFIG;
  const extra = (args.flags.get('upstream') ?? []).map(parseUpstreamFlag);
  let config: AegisConfig = file ? loadConfigFile(resolve(file)) : defaultConfig(extra);
  if (file && extra.length) config = { ...config, upstreams: [...config.upstreams, ...defaultConfig(extra).upstreams.slice(2)] };
  // Secrets are scrubbed from every log line, whatever a component passes in.
  const logger = redactingLogger(createLogger({ level: config.logging.level }));
  let host = flag(args, 'host') ?? config.server.host;
  const port = Number(flag(args, 'port') ?? process.env.AEGIS_PORT ?? config.server.port);

  const runtime = await GatewayRuntime.create(config, { logger, extend: extendRuntime({ logger, configDir: file ? dirname(resolve(file)) : undefined, mongoUri: process.env.MONGODB_URI }) });
  if (runtime.deps.keys.size === 0) {
    if (!loopback(host)) {
      logger.warn({ requested: host }, 'no API keys configured: refusing to listen beyond loopback; binding 127.0.0.1 instead');
      host = '127.0.0.1';
    }
    logger.warn('no API keys configured: serving unauthenticated on loopback only (add auth.keys to aegis.yaml, see `aegis keys create`)');
  }
  const { url } = await runtime.listen(host, port);
  const models = runtime.deps.catalog.current().map((m) => m.name);
  logger.info({ url, config: file ?? '(embedded defaults)', upstreams: config.upstreams.map((u) => `${u.name}:${u.type}`), models }, 'aegis listening');

  const watcher = file
    ? watchConfig({
        file: resolve(file),
        onReload: async (next) => {
          await runtime.reload(next);
          runtime.deps.metrics.configReloads.inc({ result: 'ok' });
          logger.info({ models: next.models.length, upstreams: next.upstreams.length }, 'config reloaded');
        },
        onError: (err) => {
          runtime.deps.metrics.configReloads.inc({ result: 'error' });
          logger.error({ err: err.message }, 'config reload rejected; keeping the previous config');
        },
      })
    : undefined;

  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down: draining in-flight requests');
      watcher?.close();
      void runtime.close().finally(done);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  logger.info('stopped');
  return 0;
}
