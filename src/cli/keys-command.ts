// `aegis keys create`: makes a new API key, prints the secret once and the hashed entry to paste
// into aegis.yaml (or a keys file). Aegis never stores the secret.
import { userInfo } from 'node:os';
import { stringify } from 'yaml';
import { openRagStorage } from '../rag';
import { generateKey, hashKey } from '../gateway';
import { flag, type ParsedArgs } from './args';

export async function keysCommand(args: ParsedArgs): Promise<number> {
  if (args.positionals[0] !== 'create') {
    process.stderr.write('usage: aegis keys create --id ID [--name NAME] [--roles a,b]\n');
    return 2;
  }
  const id = flag(args, 'id');
  if (!id) throw new Error('--id is required');
  const secret = generateKey();
  const entry = { id, name: flag(args, 'name') ?? id, hash: hashKey(secret), roles: (flag(args, 'roles') ?? 'user').split(',').filter(Boolean) };
  process.stdout.write(`secret (shown once, give it to the client): ${secret}\n\n# add under auth.keys in aegis.yaml:\n${stringify([entry])}`);
  // Key changes are audited like every admin action (the id, never the secret or its hash).
  const mongoUri = process.env.MONGODB_URI;
  const storage = await openRagStorage({ mongodb: mongoUri ? { uri: mongoUri, writeRag: false } : undefined, spool: { dir: '.aegis/spool-cli' } });
  storage.audit.record({ type: 'key.create', actor: `cli:${userInfo().username}`, target: id, outcome: 'ok', details: { roles: entry.roles } });
  await storage.close({ timeoutMs: 5_000 });
  return 0;
}
