// The `scheduler` section of aegis.yaml, owned here and composed by src/config. Amounts are bytes,
// a size string (`24GiB`) or a fraction of the machine's memory (see budget.ts).
import { z } from 'zod';

const amount = z.union([z.string(), z.number()]);
export const schedulerConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  ram: z.strictObject({ budget: amount.optional(), reserve: amount.optional() }).default({ budget: 0.75, reserve: '1GiB' }),
  gpus: z.array(z.strictObject({ totalBytes: z.number().positive(), budget: amount.optional(), reserve: amount.optional() })).default([]),
  preemption: z.strictObject({ enabled: z.boolean().default(false), graceMs: z.number().nonnegative().default(10_000) }).prefault({}),
  maxQueuePerModel: z.number().int().positive().optional(),
  maxQueueTotal: z.number().int().positive().optional(),
  maxConcurrentLoads: z.number().int().positive().optional(),
  loadTimeoutMs: z.number().int().positive().optional(),
  /** Footprint assumed for a model with no GGUF path, config figure or listed size. */
  unknownFootprintBytes: z
    .number()
    .positive()
    .default(2 * 2 ** 30),
  /** Load pinned models at start-up. */
  preloadPinned: z.boolean().default(true),
});
export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;
