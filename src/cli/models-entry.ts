// `aegis models …` from the command line: opens the registry store and an audit sink
// (cli-recording.ts) and runs the command.
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { loadConfigFile, parseConfig } from '../config';
import { mongodbConfigSchema } from '../rag';
import { openCliRecording } from './cli-recording';
import { runModelsCommand } from './models-command';
import { openRegistry } from './registry-store';

export async function modelsEntry(argv: string[]): Promise<number> {
  const configAt = argv.indexOf('--config');
  const file = configAt >= 0 ? argv[configAt + 1] : process.env.AEGIS_CONFIG;
  const rest = configAt >= 0 ? [...argv.slice(0, configAt), ...argv.slice(configAt + 2)] : argv;
  const config = file ? loadConfigFile(resolve(file)) : parseConfig('');
  const mongoUri = mongodbConfigSchema.parse(config.mongodb ?? {}).uri ?? process.env.MONGODB_URI;
  const registry = await openRegistry(config, mongoUri);
  const storage = await openCliRecording(config, mongoUri);
  try {
    return await runModelsCommand(rest, {
      store: registry.store,
      audit: storage.audit,
      stdout: process.stdout,
      stderr: process.stderr,
      actor: `cli:${userInfo().username}`,
    });
  } finally {
    await storage.close({ timeoutMs: 5_000 });
    await registry.close();
  }
}
