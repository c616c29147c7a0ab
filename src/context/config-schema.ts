// The `context` section of aegis.yaml and the per-model `context` key, owned here and composed by
// src/config. A model's keys override the section's.
import { z } from 'zod';

const strategy = z.enum(['error', 'drop-oldest', 'middle-out']);
const counting = z.enum(['auto', 'runtime', 'local', 'estimate']);

/** Per model (`models[].context`): any key left out falls back to the `context` section. */
export const modelContextSchema = z.strictObject({
  /** What to do with a prompt that does not fit: refuse, drop from the front, or from the middle. */
  strategy: strategy.optional(),
  /** Tokens reserved for the answer when the request sets no max_tokens. */
  reserveTokens: z.number().int().nonnegative().optional(),
  /** The most of the context a completion reserve may take (a 4096 max_tokens on a 2K model). */
  maxReserveShare: z.number().min(0).max(0.9).optional(),
  /** A new cut drops down to this fraction of the budget (the cache-friendly window). */
  lowWaterMark: z.number().min(0.1).max(1).optional(),
  /** A message over this fraction of the budget is shortened head + tail before turns are dropped. */
  maxMessageShare: z.number().min(0.05).max(1).optional(),
  /**
   * How prompts are counted: `runtime` (the runtime's tokenize endpoint), `local` (the model's GGUF
   * vocabulary and chat template), `estimate` (characters, calibrated), or `auto`: the runtime where
   * counting does not wait behind generation (llama.cpp server), else local, else the runtime, else
   * the estimate.
   */
  counting: counting.optional(),
});

export const contextConfigSchema = z.strictObject({
  strategy: strategy.default('drop-oldest'),
  reserveTokens: z.number().int().nonnegative().default(512),
  maxReserveShare: z.number().min(0).max(0.9).default(0.5),
  lowWaterMark: z.number().min(0.1).max(1).default(0.5),
  maxMessageShare: z.number().min(0.05).max(1).default(0.5),
  counting: counting.default('auto'),
  /** Conversations whose cut is remembered (least recently used forgotten first). */
  windows: z.number().int().positive().default(10_000),
  /** Message texts whose token counts are remembered, per model. */
  countCacheEntries: z.number().int().positive().default(20_000),
});

export type ModelContextConfig = z.infer<typeof modelContextSchema>;
export type ContextConfig = z.infer<typeof contextConfigSchema>;
