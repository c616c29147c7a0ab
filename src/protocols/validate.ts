// Checks one part of a foreign request against its schema, with an error that names where it is
// (`input[3].call_id`), the way OpenAI reports bad fields: the door turns it into its envelope.
import type { z } from 'zod';
import { describeIssue, GatewayError } from '../core';

export function parseAt<S extends z.ZodType>(schema: S, value: unknown, param: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const inner = describeIssue(result.error).param;
  const at = inner ? `${param}${inner.startsWith('[') ? '' : '.'}${inner}` : param;
  throw new GatewayError('invalid_request', `Invalid value for '${at}': ${result.error.issues[0]?.message ?? 'invalid value'}`, { param: at });
}

/** A request the translation cannot carry, with the field it is about. */
export function invalid(message: string, param: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}
