// The `rag` and `mongodb` sections of aegis.yaml, owned here and composed by src/config. Imports
// nothing but zod, so the config schema can include it without pulling in the MongoDB driver.
import { z } from 'zod';

export const ragConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Where records wait while the store is unreachable (default `.aegis/spool`). */
  spool: z
    .strictObject({
      dir: z.string().optional(),
      segmentBytes: z.number().int().positive().optional(),
      maxBytes: z.number().int().positive().optional(),
      fsyncIntervalMs: z.number().int().nonnegative().optional(),
      fsyncEveryRecords: z.number().int().positive().optional(),
    })
    .optional(),
  queue: z.record(z.string(), z.number()).optional(),
  redaction: z
    .strictObject({ patterns: z.array(z.strictObject({ name: z.string().optional(), regex: z.string(), flags: z.string().optional() })).optional() })
    .optional(),
  collections: z.record(z.string(), z.string()).optional(),
  /**
   * A model with the embeddings capability: records are embedded with it as they are stored, and
   * rag_search queries too (cosine or `$vectorSearch` instead of text), through the gateway's own
   * embeddings door. Unset: records stay `pending` for the organisation's pipeline, search is text.
   */
  embeddingModel: z.string().min(1).optional(),
  fieldMapping: z.record(z.string(), z.unknown()).optional(),
  /** Days exchange records (and stored responses) are kept; unset keeps them until the byte cap. */
  retentionDays: z.number().positive().optional(),
  /** Days audit events are kept; unset keeps them forever (the byte cap never deletes audit). */
  auditRetentionDays: z.number().positive().optional(),
  /** The embedded SQLite store, used when no MongoDB is configured. */
  embedded: z
    .strictObject({
      /** Default `.aegis/aegis.db` under the working directory. */
      path: z.string().optional(),
      /** Bytes the records may take; past it the oldest exchanges go first (default 1 GiB). */
      maxBytes: z.number().int().positive().optional(),
      /** How often retention runs (default 15 s, so the cap holds within 30 s). */
      sweepIntervalMs: z.number().int().positive().max(30_000).optional(),
    })
    .optional(),
});

export const mongodbConfigSchema = z.strictObject({ uri: z.string().optional(), database: z.string().optional() });

export type RagConfig = z.infer<typeof ragConfigSchema>;
export type MongodbConfig = z.infer<typeof mongodbConfigSchema>;
