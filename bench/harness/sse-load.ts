// SSE load: N concurrent clients, each opening one stream after another (in the target's door's shape), timing the first token
// (TTFT, from the send) and every gap between tokens as delivered to the client. Tokens that arrive
// in the same read count as a gap of 0 ("coalesced"), which is what buffering looks like from outside.
import { setMaxListeners } from 'node:events';
import { Pool } from 'undici';
import { Reservoir, summarize, type Percentiles } from './stats';
import type { Target } from './targets';

export interface StreamLoadOptions {
  concurrency: number;
  seconds: number;
  /** Tokens each stream should carry (the mock's setting), to catch lost tokens. */
  expectedTokens: number;
  /** A gap above this is a stall (ms). */
  stallMs: number;
  /** Spread the start of the clients over this long (ms). */
  rampMs?: number;
  /** Cut the streams still open at the deadline instead of letting them finish. */
  cutAtDeadline?: boolean;
}

export interface StreamLoadResult {
  streams: number;
  errors: number;
  errorSamples: string[];
  tokens: number;
  ttft: Percentiles;
  gap: Percentiles;
  coalesced: number;
  stalls: number;
  streamsPerSec: number;
  maxOpen: number;
}

/** Live counters, readable while the load runs. */
export interface StreamLoadState {
  open: number;
}

interface Recorder {
  ttft: Reservoir;
  gap: Reservoir;
  streams: number;
  errors: number;
  errorSamples: string[];
  tokens: number;
  coalesced: number;
  stalls: number;
}

function fail(rec: Recorder, why: string): void {
  rec.errors++;
  if (rec.errorSamples.length < 5) rec.errorSamples.push(why.slice(0, 300));
}

/** Count of `mark` in `buf` and where the unmatched tail starts (a mark may straddle two reads). */
function scan(buf: Buffer, mark: Buffer): { count: number; tail: number } {
  let count = 0;
  let end = 0;
  for (let at = buf.indexOf(mark); at !== -1; at = buf.indexOf(mark, end)) {
    count++;
    end = at + mark.length;
  }
  return { count, tail: Math.max(end, buf.length - (mark.length - 1)) };
}

async function oneStream(pool: Pool, target: Target, body: string, o: StreamLoadOptions, rec: Recorder, signal: AbortSignal): Promise<void> {
  const sent = performance.now();
  let res: Awaited<ReturnType<Pool['request']>>;
  try {
    res = await pool.request({ path: target.path, method: 'POST', headers: target.headers, body, signal });
  } catch (err) {
    if (!signal.aborted) fail(rec, `request: ${(err as Error).message}`);
    return;
  }
  if (res.statusCode !== 200) {
    fail(rec, `HTTP ${res.statusCode}: ${await res.body.text().catch(() => '')}`);
    return;
  }
  let last = -1;
  let tokens = 0;
  let done = false;
  let carry: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const now = performance.now();
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const { count, tail } = scan(buf, target.shape.tokenMark);
      for (let k = 0; k < count; k++) {
        if (last < 0) rec.ttft.add(now - sent);
        else {
          const gap = k === 0 ? now - last : 0;
          rec.gap.add(gap);
          if (k > 0) rec.coalesced++;
          if (gap > o.stallMs) rec.stalls++;
        }
        last = now;
      }
      tokens += count;
      if (buf.includes(target.shape.doneMark)) done = true;
      if (!done && buf.includes(target.shape.errorMark)) fail(rec, `error event: ${buf.toString('utf8', 0, 300)}`);
      carry = buf.subarray(tail);
    }
  } catch (err) {
    if (!signal.aborted) fail(rec, `body: ${(err as Error).message}`);
    return;
  }
  rec.tokens += tokens;
  if (!done) fail(rec, `stream ended without its final event after ${tokens} tokens`);
  else if (tokens !== o.expectedTokens) fail(rec, `stream carried ${tokens} tokens, expected ${o.expectedTokens}`);
  else rec.streams++;
}

export async function streamLoad(target: Target, o: StreamLoadOptions, state: StreamLoadState = { open: 0 }): Promise<StreamLoadResult> {
  const pool = new Pool(target.url, { connections: o.concurrency + 16, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const body = target.shape.streamed;
  const rec: Recorder = { ttft: new Reservoir(), gap: new Reservoir(), streams: 0, errors: 0, errorSamples: [], tokens: 0, coalesced: 0, stalls: 0 };
  const abort = new AbortController();
  // Every stream of this load listens on the one deadline signal.
  setMaxListeners(0, abort.signal);
  const started = performance.now();
  const endAt = started + o.seconds * 1_000;
  let maxOpen = 0;
  const cut = o.cutAtDeadline ? setTimeout(() => abort.abort(), o.seconds * 1_000) : undefined;

  const client = async (index: number) => {
    if (o.rampMs) await new Promise((r) => setTimeout(r, (o.rampMs! * index) / o.concurrency));
    while (performance.now() < endAt && !abort.signal.aborted) {
      state.open++;
      maxOpen = Math.max(maxOpen, state.open);
      await oneStream(pool, target, body, o, rec, abort.signal);
      state.open--;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, i) => client(i)));
  clearTimeout(cut);
  const elapsed = (Math.min(performance.now(), endAt) - started) / 1000;
  await pool.destroy().catch(() => {});
  return {
    streams: rec.streams,
    errors: rec.errors,
    errorSamples: rec.errorSamples,
    tokens: rec.tokens,
    ttft: summarize(rec.ttft.sorted()),
    gap: summarize(rec.gap.sorted()),
    coalesced: rec.coalesced,
    stalls: rec.stalls,
    streamsPerSec: rec.streams / elapsed,
    maxOpen,
  };
}
