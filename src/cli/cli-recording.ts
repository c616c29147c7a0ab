// Where CLI commands (`keys`, `models`) write their audit events: the configured record store
// (MongoDB, or the embedded file a running gateway also writes), buffered in a spool of their own
// because the gateway holds the main one. Retention is left to the gateway.
import { join } from 'node:path';
import type { AegisConfig } from '../config';
import { openRagStorage, type RagStorage } from '../rag';
import { embeddedStoreConfig } from './wiring-rag';

export function openCliRecording(config: AegisConfig, mongoUri: string | undefined): Promise<RagStorage> {
  return openRagStorage({
    mongodb: mongoUri ? { uri: mongoUri, database: config.mongodb.database, writeRag: false } : undefined,
    // A CLI can wait for the gateway's write lock; the gateway cannot wait for a CLI's.
    embedded: { ...embeddedStoreConfig(config), busyTimeoutMs: 5_000 },
    spool: { dir: join('.aegis', 'spool-cli') },
    sweep: false,
  });
}
