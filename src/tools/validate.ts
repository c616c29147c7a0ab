// Arguments checked against the tool's JSON schema (Ajv). Validators are compiled once per distinct
// schema and kept: agents send the same tools with every request, and compiling costs far more
// than validating.
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019';
import { Ajv2020 } from 'ajv/dist/2020';
import { LRUCache } from 'lru-cache';

export type JsonObject = Record<string, unknown>;

/** The result of checking one call's arguments. */
export type ArgumentCheck = { ok: true; value: JsonObject; coerced: boolean } | { ok: false; reason: string };

export interface ArgumentValidator {
  check(args: JsonObject): ArgumentCheck;
}

// Tool schemas come from clients: unknown keywords and formats must not fail a request (strict
// off, formats unchecked), and Ajv must not write warnings to the console.
// `addUsedSchema: false`: a schema's `$id` is not registered, so a schema compiled again after the
// cache let it go does not collide with itself.
const options = { strict: false, allErrors: false, validateFormats: false, logger: false, addUsedSchema: false } as const;
// Small models write "5" for an integer or 3 for a string; a second, coercing validator accepts
// those (counted as a repair) rather than refusing a call whose meaning is clear.
const coercingOptions = { ...options, coerceTypes: true } as const;

interface Dialect {
  exact: Ajv;
  coercing: Ajv;
}

// Each instance knows one JSON Schema dialect and refuses a `$schema` naming another. Clients
// declare what they wrote (Claude Code's tools say 2020-12, zod-to-json-schema says draft-07); a
// schema that names none, or one Ajv does not know (draft-04), is read as draft-07, the dialect
// OpenAI documents for tool parameters.
const draft07: Dialect = { exact: new Ajv(options), coercing: new Ajv(coercingOptions) };
let draft2019: Dialect | undefined;
let draft2020: Dialect | undefined;

function dialectOf(schema: JsonObject): { dialect: Dialect; schema: JsonObject } {
  const declared = schema.$schema;
  if (typeof declared !== 'string') return { dialect: draft07, schema };
  if (declared.includes('2020-12')) {
    draft2020 ??= { exact: new Ajv2020(options), coercing: new Ajv2020(coercingOptions) };
    return { dialect: draft2020, schema };
  }
  if (declared.includes('2019-09')) {
    draft2019 ??= { exact: new Ajv2019(options), coercing: new Ajv2019(coercingOptions) };
    return { dialect: draft2019, schema };
  }
  if (declared.includes('draft-07')) return { dialect: draft07, schema };
  const { $schema: _unknown, ...rest } = schema;
  return { dialect: draft07, schema: rest };
}

interface Compiled {
  exact: ValidateFunction;
  coercing: ValidateFunction;
  dialect: Dialect;
  /** The object Ajv compiled (its own cache holds it until removed). */
  source: JsonObject;
}

// Ajv keeps every schema it compiled; the validators this cache lets go are removed from it too,
// or a gateway seeing ever new tool schemas would hold them all.
const cache = new LRUCache<string, Compiled>({
  max: 512,
  dispose: ({ dialect, source }) => {
    dialect.exact.removeSchema(source);
    dialect.coercing.removeSchema(source);
  },
});

/** An object schema that accepts any arguments, for tools declared without `parameters`. */
const anyObject: JsonObject = { type: 'object' };

/**
 * A validator for `parameters`; throws with Ajv's message when the schema itself is invalid (the
 * caller turns that into a 400 naming the tool).
 */
export function argumentValidator(parameters: JsonObject | undefined): ArgumentValidator {
  const schema = parameters ?? anyObject;
  const key = JSON.stringify(schema);
  let compiled = cache.get(key);
  if (!compiled) {
    const { dialect, schema: readable } = dialectOf(schema);
    compiled = { exact: dialect.exact.compile(readable), coercing: dialect.coercing.compile(readable), dialect, source: readable };
    cache.set(key, compiled);
  }
  const { exact: strict, coercing: lenient, dialect } = compiled;
  return {
    check(args) {
      if (strict(args)) return { ok: true, value: args, coerced: false };
      const reason = dialect.exact.errorsText(strict.errors, { dataVar: 'arguments' });
      // Coercion rewrites the object in place, so it works on a copy.
      const copy = structuredClone(args);
      if (lenient(copy)) return { ok: true, value: copy, coerced: true };
      return { ok: false, reason };
    },
  };
}
