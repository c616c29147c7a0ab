// Tool call ids in OpenAI's shape, for calls that arrive without one (emulated calls, Ollama).
import { randomFillSync } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Makes the id of a new call. */
export type CallIds = () => string;

/** `call_` and 24 random base62 characters, as OpenAI's own ids look. */
export const randomCallId: CallIds = () => {
  const bytes = randomFillSync(new Uint8Array(24));
  let id = 'call_';
  // 62 does not divide 256: the first 8 letters are a little likelier, which does not matter for an id.
  for (const b of bytes) id += alphabet[b % 62];
  return id;
};
