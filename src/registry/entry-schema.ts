// The registry entry (one model version) as a zod schema: the source of
// schemas/registry-entry.schema.json. The interface in types.ts stays the type the code uses; the
// check at the bottom fails to compile when the two disagree.
import { z } from 'zod';
import { modelSchema } from '../config';
import type { Assert, Equals } from '../core';
import type { ModelEntry } from './types';

const count = z.number().int().nonnegative();

export const modelEntrySchema = z
  .object({
    name: z.string().describe('Public id clients use.'),
    version: z.string(),
    aliases: z.array(z.string()),
    tags: z.array(z.string()).describe('Free labels a policy may match on (e.g. "code", "internal").'),
    upstream: z.string().describe('Name of the upstream (runtime) that serves it.'),
    upstreamModel: z.string().describe("The runtime's own id for the model."),
    format: z.string().optional(),
    path: z.string().describe('Local GGUF file, for managed runners and footprint estimates.').optional(),
    sizeBytes: count.optional(),
    footprint: z.object({ ramBytes: count, vramBytes: count, source: z.enum(['estimated', 'measured', 'config']) }).optional(),
    contextLength: count.optional(),
    context: modelSchema.shape.context,
    capabilities: z.object({
      chat: z.boolean(),
      completion: z.boolean(),
      embeddings: z.boolean(),
      tools: z.enum(['native', 'emulated', 'none']),
      vision: z.boolean(),
    }),
    priority: z.string(),
    ttlSeconds: z.number().nonnegative().optional(),
    pinned: z.boolean(),
    parallel: z.number().int().positive().describe('Parallel slots the runtime serves for this model.').optional(),
    provenance: z
      .object({
        source: z.string().optional(),
        sha256: z.string().optional(),
        license: z.string().optional(),
        importedBy: z.string().optional(),
        importedAt: z.string().optional(),
        gguf: z
          .object({
            architecture: z.string().optional(),
            quantization: z.string().optional(),
            parameterCount: count.optional(),
            contextLength: count.optional(),
          })
          .optional(),
      })
      .optional(),
    status: z.enum(['active', 'deprecated', 'retired']),
    origin: z.enum(['config', 'discovered', 'store']).describe('Which source produced the entry; config wins over discovery.'),
  })
  .describe('One model version in the Aegis registry.');

export type ModelEntrySchemaMatches = Assert<Equals<z.infer<typeof modelEntrySchema>, ModelEntry>>;
