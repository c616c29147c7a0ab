// `aegis records …` from the command line: opens the record store the config names for reading —
// MongoDB when configured, else the embedded database read-only (safe while `aegis serve` writes it).
import { resolve } from 'node:path';
import { loadConfigFile, parseConfig } from '../config';
import { createMongoClient, databaseFromUri, embeddedPath, MissingDatabaseError, MongoRecordStore, SqliteRecordStore, type RecordStore } from '../rag';
import { RECORDS_USAGE, runRecordsCommand } from './records-command';

export async function recordsEntry(argv: string[]): Promise<number> {
  const configAt = argv.indexOf('--config');
  const file = configAt >= 0 ? argv[configAt + 1] : process.env.AEGIS_CONFIG;
  const rest = configAt >= 0 ? [...argv.slice(0, configAt), ...argv.slice(configAt + 2)] : argv;
  const config = file ? loadConfigFile(resolve(file)) : parseConfig('');
  const uri = config.mongodb.uri ?? process.env.MONGODB_URI;
  let store: RecordStore;
  if (uri) {
    const client = createMongoClient(uri);
    store = new MongoRecordStore({
      db: client.db(config.mongodb.database ?? databaseFromUri(uri) ?? 'aegis'),
      collections: config.rag.collections,
      fieldMapping: config.rag.fieldMapping as never,
      ownedClient: client,
    });
  } else {
    const path = embeddedPath(config.rag.embedded?.path);
    try {
      store = SqliteRecordStore.open({ path, readonly: true, busyTimeoutMs: 5_000 });
    } catch (err) {
      if (!(err instanceof MissingDatabaseError)) throw err;
      return nothingRecorded(rest, path);
    }
  }
  try {
    return await runRecordsCommand(rest, { store, stdout: process.stdout, stderr: process.stderr });
  } finally {
    await store.close();
  }
}

/** No database yet: nothing was recorded here, which is an answer for list and search, not for show. */
function nothingRecorded(argv: string[], path: string): number {
  const [command] = argv;
  if (command !== 'list' && command !== 'show' && command !== 'search') {
    process.stderr.write(RECORDS_USAGE);
    return 2;
  }
  process.stderr.write(`nothing recorded yet: no database at ${path}\n`);
  if (command === 'show') return 1;
  if (argv.includes('--json')) process.stdout.write(command === 'list' ? '[]\n' : `${JSON.stringify({ method: 'fts', results: [] })}\n`);
  return 0;
}
