// The requests every target receives: one chat request with a prompt of a realistic size (about
// 250 tokens, so context counting and policy content scans have something to read), whole or streamed.
import { BENCH_MODEL } from './targets';

const PROMPT = [
  'You are reviewing a pull request for a self-hosted gateway that proxies OpenAI-compatible',
  'requests to local runtimes. Summarise the change below in two sentences, then list any risk',
  'you see for latency, memory use under many concurrent streams, or correctness of error',
  'handling when the upstream closes the connection early. The change replaces a per-request',
  'JSON re-serialisation with a streaming transform that rewrites the model field of each SSE',
  'chunk, adds a bounded queue in front of the scheduler lease, and records each exchange to a',
  'local spool file that a background task later ships to MongoDB for retrieval. Tests cover',
  'client aborts, upstream deaths mid-stream and a slow spool disk. Keep the answer short.',
].join(' ');

export function chatBody(stream: boolean): string {
  return JSON.stringify({
    model: BENCH_MODEL,
    messages: [
      { role: 'system', content: 'You are a concise reviewer.' },
      { role: 'user', content: PROMPT },
    ],
    max_tokens: 64,
    stream,
  });
}

/** Substring that marks one content token in any target's SSE output (the mock's tokens are "t<i> "). */
export const TOKEN_MARK = Buffer.from('"content":"t');
export const DONE_MARK = Buffer.from('[DONE]');

/** Occurrences of `needle` in `hay`. */
export function countOf(hay: Buffer, needle: Buffer): number {
  let n = 0;
  let at = hay.indexOf(needle);
  while (at !== -1) {
    n++;
    at = hay.indexOf(needle, at + needle.length);
  }
  return n;
}
