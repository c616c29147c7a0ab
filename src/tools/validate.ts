// Arguments checked against the tool's JSON schema (Ajv). Validators are compiled once per distinct
// schema and kept: agents send the same tools with every request, and compiling costs far more
// than validating.
import { Ajv, type ValidateFunction } from 'ajv';
import { LRUCache } from 'lru-cache';

export type JsonObject = Record<string, unknown>;

/** The result of checking one call's arguments. */
export type ArgumentCheck = { ok: true; value: JsonObject; coerced: boolean } | { ok: false; reason: string };

export interface ArgumentValidator {
  check(args: JsonObject): ArgumentCheck;
}

// Tool schemas come from clients: unknown keywords and formats must not fail a request (strict
// off, formats unchecked), and Ajv must not write warnings to the console.
const options = { strict: false, allErrors: false, validateFormats: false, logger: false } as const;
const exact = new Ajv(options);
// Small models write "5" for an integer or 3 for a string; a second, coercing validator accepts
// those (counted as a repair) rather than refusing a call whose meaning is clear.
const coercing = new Ajv({ ...options, coerceTypes: true });

interface Compiled {
  exact: ValidateFunction;
  coercing: ValidateFunction;
}

const cache = new LRUCache<string, Compiled>({ max: 512 });

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
    compiled = { exact: exact.compile(schema), coercing: coercing.compile(schema) };
    cache.set(key, compiled);
  }
  const { exact: strict, coercing: lenient } = compiled;
  return {
    check(args) {
      if (strict(args)) return { ok: true, value: args, coerced: false };
      const reason = exact.errorsText(strict.errors, { dataVar: 'arguments' });
      // Coercion rewrites the object in place, so it works on a copy.
      const copy = structuredClone(args);
      if (lenient(copy)) return { ok: true, value: copy, coerced: true };
      return { ok: false, reason };
    },
  };
}
