// zod schemas as JSON Schema (2020-12), the one conversion both /openapi.json and schemas/ use.
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

export interface JsonSchemaOptions {
  /** `input` (the default): what a client or an operator writes, defaults optional. */
  io?: 'input' | 'output';
  /** Keep `$schema` (a standalone file) or drop it (a schema inside an OpenAPI document). */
  standalone?: boolean;
}

/**
 * A zod schema as JSON Schema. Checks written as code (a policy's `z.custom` data) become what they
 * accept at least, `type: object`: the code still checks the rest when the file is loaded.
 */
export function jsonSchemaOf(schema: z.ZodType, { io = 'input', standalone = false }: JsonSchemaOptions = {}): JsonSchema {
  const out = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    override(ctx) {
      if (ctx.zodSchema._zod.def.type === 'custom') ctx.jsonSchema.type = 'object';
    },
  }) as JsonSchema;
  if (!standalone) delete out.$schema;
  return out;
}
