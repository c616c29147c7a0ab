// `aegis keys create`: makes a new API key, prints the secret once and the hashed entry to paste
// into aegis.yaml (or a keys file). Aegis never stores the secret.
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigFile, parseConfig } from '../config';
import { generateKey, hashKey } from '../gateway';
import { flag, type ParsedArgs } from './args';
import { openCliRecording } from './cli-recording';

export async function keysCommand(args: ParsedArgs): Promise<number> {
  if (args.positionals[0] !== 'create') {
    process.stderr.write('usage: aegis keys create --id ID [--name NAME] [--roles a,b] [--config FILE]\n');
    return 2;
  }
  const id = flag(args, 'id');
  if (!id) throw new Error('--id is required');
  const secret = generateKey();
  const entry = { id, name: flag(args, 'name') ?? id, hash: hashKey(secret), roles: (flag(args, 'roles') ?? 'user').split(',').filter(Boolean) };
  process.stdout.write(`secret (shown once, give it to the client): ${secret}\n\n# add under auth.keys in aegis.yaml:\n${stringify([entry])}`);
  // Key changes are audited like every admin action (the id, never the secret or its hash).
  const file = flag(args, 'config') ?? process.env.AEGIS_CONFIG;
  const config = file ? loadConfigFile(resolve(file)) : parseConfig('');
  const storage = await openCliRecording(config, config.mongodb.uri ?? process.env.MONGODB_URI);
  storage.audit.record({ type: 'key.create', actor: `cli:${userInfo().username}`, target: id, outcome: 'ok', details: { roles: entry.roles } });
  await storage.close({ timeoutMs: 5_000 });
  return 0;
}
