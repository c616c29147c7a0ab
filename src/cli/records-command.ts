// `aegis records list|show|search`: what was recorded, read straight from the record store (the
// embedded database or MongoDB), so an operator needs no database tools. Runs against any RecordStore.
import { parseArgs } from 'node:util';
import type { AuditEvent, ExchangeRecord, RecordStore } from '../rag';
import type { TextOut } from './models-command';

export interface RecordsCommandDeps {
  store: RecordStore;
  stdout: TextOut;
  stderr: TextOut;
}

export const RECORDS_USAGE = `usage: aegis records <command> [--config FILE]
  list [--limit N] [--principal ID] [--model NAME] [--since ISO] [--before ISO] [--json]
                                   the newest exchanges first
  list --audit [--actor A] [--type T] [--limit N] [--since ISO] [--before ISO] [--json]
                                   the newest audit events first
  show ID [--json]                 one exchange by request id (exit 1 when there is none)
  search QUERY... [--k N] [--json] rag_search over the recorded exchanges
`;

class UsageError extends Error {}

export async function runRecordsCommand(argv: string[], deps: RecordsCommandDeps): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'list':
        return await list(rest, deps);
      case 'show':
        return await show(rest, deps);
      case 'search':
        return await search(rest, deps);
      case undefined:
      case 'help':
      case '--help':
        deps.stdout.write(RECORDS_USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      deps.stderr.write(`error: ${(err as Error).message}\n${RECORDS_USAGE}`);
      return 2;
    }
    deps.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function count(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} expects a positive whole number`);
  return n;
}

const json = (out: TextOut, value: unknown): void => {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Columns padded to their widest cell. */
function table(out: TextOut, rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    out.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
}

const oneLine = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

const lastUserTurn = (r: ExchangeRecord): string => r.messages.findLast((m) => m.role === 'user')?.content ?? '';

async function list(args: string[], deps: RecordsCommandDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      audit: { type: 'boolean' },
      limit: { type: 'string' },
      principal: { type: 'string' },
      model: { type: 'string' },
      actor: { type: 'string' },
      type: { type: 'string' },
      since: { type: 'string' },
      before: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const range = { limit: count(values.limit, 'limit'), since: values.since, before: values.before };
  if (values.audit) {
    const events = await deps.store.auditEvents({ ...range, actor: values.actor, type: values.type });
    if (values.json) json(deps.stdout, events);
    else auditTable(deps.stdout, events);
    return 0;
  }
  const records = await deps.store.exchanges({ ...range, principalId: values.principal, model: values.model });
  if (values.json) json(deps.stdout, records);
  else if (records.length === 0) deps.stderr.write(`no exchanges recorded in ${deps.store.location} match\n`);
  else
    table(deps.stdout, [
      ['TIME', 'ID', 'PRINCIPAL', 'MODEL', 'STATUS', 'MS', 'TOKENS', 'PROMPT'],
      ...records.map((r) => [
        r.time,
        r.id,
        r.principalId,
        r.modelVersion === undefined ? r.model : `${r.model}@${r.modelVersion}`,
        String(r.status),
        String(r.latencyMs),
        r.usage ? String(r.usage.totalTokens) : '-',
        oneLine(lastUserTurn(r), 60),
      ]),
    ]);
  return 0;
}

function auditTable(out: TextOut, events: AuditEvent[]): void {
  if (events.length === 0) return;
  table(out, [['TIME', 'ID', 'TYPE', 'ACTOR', 'OUTCOME', 'TARGET'], ...events.map((e) => [e.time, e.id, e.type, e.actor, e.outcome, e.target ?? '-'])]);
}

async function show(args: string[], deps: RecordsCommandDeps): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('expected: show ID');
  const id = positionals[0]!;
  const record = await deps.store.exchange(id);
  if (!record) {
    deps.stderr.write(`no exchange with id ${id} in ${deps.store.location}\n`);
    return 1;
  }
  if (values.json) {
    json(deps.stdout, record);
    return 0;
  }
  const { messages, answer, toolCalls, ...meta } = record;
  json(deps.stdout, meta);
  for (const m of messages) deps.stdout.write(`\n--- ${m.role}${m.name ? ` (${m.name})` : ''}\n${m.content}\n`);
  for (const t of toolCalls) deps.stdout.write(`\n--- tool call ${t.name} (${t.source})\n${t.arguments}${t.result === undefined ? '' : `\n→ ${t.result}`}\n`);
  deps.stdout.write(`\n--- answer${record.complete ? '' : ' (incomplete)'}\n${answer}\n`);
  return 0;
}

async function search(args: string[], deps: RecordsCommandDeps): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, k: { type: 'string' } } });
  if (positionals.length === 0) throw new UsageError('expected: search QUERY');
  const answer = await deps.store.search(positionals.join(' '), count(values.k, 'k') ?? 5);
  if (values.json) {
    json(deps.stdout, answer);
    return 0;
  }
  deps.stdout.write(`method: ${answer.method}, ${answer.results.length} result(s)\n`);
  for (const r of answer.results) deps.stdout.write(`\n${r.id}  score ${r.score.toFixed(4)}\n  ${oneLine(r.text, 200)}\n`);
  return 0;
}
