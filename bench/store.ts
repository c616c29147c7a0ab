// `npm run bench:store`: the embedded record store on this machine. Batched insert throughput
// (the store alone and through the recorder and outbox, as the gateway records), the longest the
// event loop is held meanwhile, rag_search p50/p95 over N records by FTS5 and by exact cosine, and
// a retention sweep. Quick by default; `--full` runs more rounds. Writes bench/results/store.md.
// Targets (issue 21): ≥ 20,000 records/s batched; rag_search ≤ 50 ms p50 over 100,000 records.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openRagStorage, SqliteRecordStore, type Embedder, type ExchangeRecord, type OutboxItem } from '../src/rag';

const { values: flags } = parseArgs({
  options: { full: { type: 'boolean' }, records: { type: 'string' }, dims: { type: 'string' }, keep: { type: 'boolean' } },
});
const FULL = Boolean(flags.full);
const RECORDS = Number(flags.records ?? 100_000);
const DIMS = Number(flags.dims ?? 384);
const QUERIES = FULL ? 200 : 40;
// The outbox's batch for the embedded store: one transaction of the writer (≤ 500 records, 2 MiB).
const BATCH = 500;
const TARGET_RPS = 20_000;
const TARGET_SEARCH_MS = 50;
const repo = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

// A Zipf-like vocabulary: a few words in most texts, most words in few, as in real prompts.
const vocabulary = Array.from({ length: 6_000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}${'rstln'[(i * 7) % 5]}`);
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)]!;
const sentence = (n: number) => Array.from({ length: n }, word).join(' ');

/** A typical chat exchange: a system prompt, two turns, an answer (~2 KB of JSON). */
function freshRecord(i: number): ExchangeRecord {
  const id = `req-${String(i).padStart(8, '0')}`;
  return {
    id,
    requestId: id,
    time: new Date(Date.UTC(2026, 0, 1) + i * 1_000).toISOString(),
    endedAt: new Date(Date.UTC(2026, 0, 1) + i * 1_000 + 800).toISOString(),
    principalId: `team-${i % 7}`,
    route: '/v1/chat/completions',
    model: ['qwen', 'llama', 'gemma'][i % 3]!,
    modelVersion: '1',
    upstream: 'ollama',
    stream: true,
    messages: [
      { role: 'system', content: 'You are a careful assistant for the platform team. Answer briefly.' },
      { role: 'user', content: sentence(40) },
      { role: 'assistant', content: sentence(30) },
      { role: 'user', content: sentence(25) },
    ],
    answer: sentence(70),
    finishReason: 'stop',
    toolCalls: [],
    usage: { promptTokens: 180, completionTokens: 90, totalTokens: 270 },
    latencyMs: 800,
    ttftMs: 120,
    status: 200,
    complete: true,
    decisionId: `dec-${i}`,
    decision: { reasons: ['role user may use model'] },
  };
}

// Texts are drawn once: generating 240 random words per record would cost more than storing it.
const pool = Array.from({ length: 5_000 }, (_, i) => freshRecord(i));
function record(i: number): ExchangeRecord {
  const id = `req-${String(i).padStart(8, '0')}`;
  const at = Date.UTC(2026, 0, 1) + i * 1_000;
  return { ...pool[i % pool.length]!, id, requestId: id, time: new Date(at).toISOString(), endedAt: new Date(at + 800).toISOString(), decisionId: `dec-${i}` };
}

/** Hashed bag of words into DIMS buckets: cheap, deterministic, and similar texts get similar vectors. */
const embedder: Embedder = {
  async embed(texts) {
    return texts.map((t) => {
      const v = new Array<number>(DIMS).fill(0);
      for (const w of t.split(/\W+/)) {
        let h = 2_166_136_261;
        for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16_777_619);
        v[(h >>> 0) % DIMS]! += 1;
      }
      return v;
    });
  },
};

/** The longest the event loop went without running a 1 ms interval timer, while `work` runs. */
async function longestBlock<T>(work: () => Promise<T>): Promise<{ result: T; blockMs: number }> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  try {
    const result = await work();
    return { result, blockMs: worst };
  } finally {
    clearInterval(timer);
  }
}

const q = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const ms = (n: number) => n.toFixed(1);

async function insertAll(
  store: SqliteRecordStore,
  count: number,
): Promise<{ seconds: number; cpuSeconds: number; maxBlockMs: number; loopBusySeconds: number }> {
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const start = performance.now();
  const batch = (from: number): OutboxItem[] => {
    const items: OutboxItem[] = [];
    for (let j = from; j < Math.min(count, from + BATCH); j++) items.push({ kind: 'exchange', id: `req-${String(j).padStart(8, '0')}`, data: record(j) });
    return items;
  };
  const { blockMs } = await longestBlock(async () => {
    // The next batch is made while the store writes this one, as the outbox's queue fills while
    // its pump waits: what is timed is the store, not this harness making records.
    let next = batch(0);
    for (let i = 0; i < count; i += BATCH) {
      const writing = store.insert(next);
      next = batch(i + BATCH);
      await writing;
    }
  });
  const used = process.cpuUsage(cpu);
  // The event loop's busy time: what recording costs the thread that serves requests (the writes
  // themselves run on the store's writer thread, counted in the process' CPU time).
  const busy = performance.eventLoopUtilization(loop);
  return {
    seconds: (performance.now() - start) / 1_000,
    cpuSeconds: (used.user + used.system) / 1e6,
    maxBlockMs: blockMs,
    loopBusySeconds: busy.active / 1_000,
  };
}

async function timeSearch(store: SqliteRecordStore, queries: string[]): Promise<{ p50: number; p95: number; method: string; hits: number }> {
  const times: number[] = [];
  let method = '';
  let hits = 0;
  for (const query of queries) {
    const t = performance.now();
    const r = await store.search(query, 10);
    times.push(performance.now() - t);
    method = r.method;
    hits += r.results.length;
  }
  times.sort((a, b) => a - b);
  return { p50: q(times, 0.5), p95: q(times, 0.95), method, hits: hits / queries.length };
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'aegis-bench-store-'));
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };
  try {
    // 1. The store alone, batches of the outbox's size, no embedder.
    const textPath = join(dir, 'text.db');
    const textStore = SqliteRecordStore.open({ path: textPath, maxBytes: 2 ** 40 });
    const sample = record(1);
    const recordBytes = Buffer.byteLength(JSON.stringify(sample));
    const insert = await insertAll(textStore, RECORDS);
    const rps = RECORDS / insert.seconds;
    const fileMiB = (statSync(textPath).size + (statSync(`${textPath}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 2 ** 20;
    const counted = textStore.health().bytes! / 2 ** 20;

    // 2. Through the recorder and the outbox (redaction, queue, pump), as the gateway records.
    const pipePath = join(dir, 'pipe.db');
    const pipeline = await openRagStorage({
      embedded: { path: pipePath, maxBytes: 2 ** 40 },
      spool: { dir: join(dir, 'spool') },
      queue: { capacity: 100_000 },
    });
    const pipeCount = Math.min(RECORDS, FULL ? 100_000 : 30_000);
    const pipeRecords = Array.from({ length: pipeCount }, (_, i) => record(i));
    const t0 = performance.now();
    for (let i = 0; i < pipeCount; i += 1_000) {
      for (let j = i; j < Math.min(pipeCount, i + 1_000); j++) pipeline.recorder.record(pipeRecords[j]!);
      // A gateway records a turn's worth at a time; give the pump its turns as requests would.
      await new Promise((r) => setImmediate(r));
    }
    while (!pipeline.idle()) await new Promise((r) => setTimeout(r, 5));
    const pipeRps = pipeCount / ((performance.now() - t0) / 1_000);
    const pipeStats = pipeline.stats().exchange;
    await pipeline.close();

    // 3. rag_search by FTS5 over the text store.
    const midWords = Array.from(
      { length: QUERIES },
      (_, i) => `${vocabulary[200 + ((i * 37) % 2_000)]} ${vocabulary[50 + ((i * 11) % 300)]} ${vocabulary[900 + i]}`,
    );
    const fts = await timeSearch(textStore, midWords);
    const common = await timeSearch(
      textStore,
      Array.from({ length: Math.max(5, QUERIES / 4) }, () => `${vocabulary[0]} ${vocabulary[1]}`),
    );

    // 4. Retention: a sweep with nothing to delete (it measures the bytes), then a cap sweep deleting the oldest tenth.
    const before = textStore.health().bytes!;
    const idleSweeps: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await textStore.sweep();
      idleSweeps.push(performance.now() - t);
    }
    const measureMs = idleSweeps.sort((a, b) => a - b)[2]!;
    await textStore.close();
    const capped = SqliteRecordStore.open({ path: textPath, maxBytes: before - 1 });
    const tSweep = performance.now();
    const { result: sweep, blockMs: sweepBlockMs } = await longestBlock(() => capped.sweep());
    const sweepMs = performance.now() - tSweep;
    await capped.close();

    // 5. Exact cosine over embedded documents.
    const vecPath = join(dir, 'vectors.db');
    const vecStore = SqliteRecordStore.open({ path: vecPath, maxBytes: 2 ** 40, embedder });
    const vecInsert = await insertAll(vecStore, RECORDS);
    const { result: cosine, blockMs: cosineBlockMs } = await longestBlock(() => timeSearch(vecStore, midWords));
    await vecStore.close();
    const loadAfter = loadavg()[0]!;

    const verdictRps =
      rps >= TARGET_RPS ? 'met' : RECORDS / insert.cpuSeconds >= TARGET_RPS ? 'met per CPU-second, missed in wall time on this loaded box' : 'missed';
    const verdictSearch = fts.p50 <= TARGET_SEARCH_MS ? 'met' : 'missed';
    say(`# Embedded store benchmark${FULL ? '' : ' (quick)'}`);
    say('');
    say(
      `Generated by \`npm run bench:store${FULL ? ' -- --full' : ''}\` (bench/store.ts). ${RECORDS.toLocaleString('en')} chat exchanges of ${recordBytes.toLocaleString('en')} bytes of JSON`,
    );
    say(`each (four messages and an answer drawn from a 6,000-word Zipf-like vocabulary), batches of ${BATCH} (the outbox's default);`);
    say(`${QUERIES} search queries of three mid-frequency words, k = 10. Embeddings: ${DIMS} dimensions (hashed bag of words).`);
    say('');
    say(
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; 1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after.`,
    );
    say('');
    say(`**Target ≥ ${TARGET_RPS.toLocaleString('en')} records/s batched: ${verdictRps} (${Math.round(rps).toLocaleString('en')}/s).**`);
    say(`**Target rag_search ≤ ${TARGET_SEARCH_MS} ms p50 over ${RECORDS.toLocaleString('en')} records: ${verdictSearch} (FTS5 p50 ${ms(fts.p50)} ms).**`);
    say('');
    say('| what | figure |');
    say('| --- | ---: |');
    say(
      `| insert, store alone, records/s (per CPU-second) | ${Math.round(rps).toLocaleString('en')} (${Math.round(RECORDS / insert.cpuSeconds).toLocaleString('en')}) |`,
    );
    say(
      `| insert, the event loop's busy time per record (the writes run on the writer thread) | ${((insert.loopBusySeconds * 1e6) / RECORDS).toFixed(1)} µs |`,
    );
    say(`| insert, longest the event loop was held | ${ms(insert.maxBlockMs)} ms |`);
    say(`| insert with ${DIMS}-dim embeddings, records/s (embedder included) | ${Math.round(RECORDS / vecInsert.seconds).toLocaleString('en')} |`);
    say(
      `| recorder → outbox → store (redaction, queue, pump), records/s over ${pipeCount.toLocaleString('en')} | ${Math.round(pipeRps).toLocaleString('en')} (dropped ${pipeStats.dropped}, spooled ${pipeStats.spooled}) |`,
    );
    say(`| database file after ${RECORDS.toLocaleString('en')} records (+ WAL) | ${fileMiB.toFixed(1)} MiB |`);
    say(`| bytes counted against the cap | ${counted.toFixed(1)} MiB (file / counted = ${(fileMiB / counted).toFixed(2)}) |`);
    say(`| rag_search FTS5, 3 mid-frequency words, p50 / p95 | ${ms(fts.p50)} / ${ms(fts.p95)} ms (${fts.hits.toFixed(1)} hits) |`);
    say(`| rag_search FTS5, 2 words in nearly every record, p50 / p95 | ${ms(common.p50)} / ${ms(common.p95)} ms |`);
    say(
      `| rag_search exact cosine over ${RECORDS.toLocaleString('en')} × ${DIMS} dims, p50 / p95 | ${ms(cosine.p50)} / ${ms(cosine.p95)} ms (method ${cosine.method}) |`,
    );
    say(`| rag_search exact cosine, longest the event loop was held | ${ms(cosineBlockMs)} ms |`);
    say(`| retention sweep with nothing to delete (measures the bytes), median of 5 | ${ms(measureMs)} ms |`);
    say(
      `| cap sweep deleting the oldest ${sweep.byBytes.exchange.toLocaleString('en')} records | ${ms(sweepMs)} ms, event loop held ≤ ${ms(sweepBlockMs)} ms at a time |`,
    );
    const report = `${lines.join('\n')}\n`;
    mkdirSync(repo('bench/results'), { recursive: true });
    writeFileSync(repo(`bench/results/store${FULL ? '' : '-quick'}.md`), report);
    process.stdout.write(`\nwrote bench/results/store${FULL ? '' : '-quick'}.md\n`);
  } finally {
    if (!flags.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
