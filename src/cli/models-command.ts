// `aegis models …`: list, show, import (hash + GGUF header → entry), verify, promote, rollback and
// status changes against any RegistryStore; every change is written to the audit log.
import { parseArgs } from 'node:util';
import { isGatewayError } from '../core';
import type { AuditSink } from '../rag';
import type { ModelEntry, ModelStatus, RegistryStore } from '../registry';
import { buildGgufEntry, sha256File, type HashProgress } from '../registry';
import { registryFootprintEstimate } from './wiring-scheduler';

export interface TextOut {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ModelsCommandDeps {
  store: RegistryStore;
  audit: AuditSink;
  stdout: TextOut;
  stderr: TextOut;
  /** Who runs the command, e.g. `cli:alice`; recorded as importedBy and as the audit actor. */
  actor?: string;
}

const USAGE = `usage: aegis models <command>
  list [--json]                      every version, with status and the promoted one marked
  show NAME[@VERSION]                one entry as JSON (NAME alone: the promoted version)
  import FILE.gguf [--name N] [--version V] [--source URL] [--license L] [--upstream U]
         [--upstream-model ID] [--alias A]... [--context-length N] [--priority P] [--force] [--no-promote]
  verify [NAME[@VERSION]]            re-hash files and flag those whose sha256 changed
  promote NAME VERSION               NAME now resolves to VERSION
  rollback NAME                      back to the version promoted before
  retire|deprecate|activate NAME VERSION
`;

class UsageError extends Error {}

const STATUS_COMMANDS: Record<string, ModelStatus> = { retire: 'retired', deprecate: 'deprecated', activate: 'active' };

export async function runModelsCommand(argv: string[], deps: ModelsCommandDeps): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'list':
        return await list(rest, deps);
      case 'show':
        return await show(rest, deps);
      case 'import':
        return await importFile(rest, deps);
      case 'verify':
        return await verify(rest, deps);
      case 'promote':
        return await promote(rest, deps);
      case 'rollback':
        return await rollback(rest, deps);
      case undefined:
      case 'help':
      case '--help':
        deps.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        if (STATUS_COMMANDS[command]) return await setStatus(STATUS_COMMANDS[command], rest, deps);
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      deps.stderr.write(`error: ${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    deps.stderr.write(`error: ${isGatewayError(err) || err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const actorOf = (deps: ModelsCommandDeps): string => deps.actor ?? 'cli';

function positionals(args: string[], count: number, usage: string): string[] {
  const { positionals: pos } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  if (pos.length !== count) throw new UsageError(`expected: ${usage}`);
  return pos;
}

function splitRef(ref: string): { name: string; version?: string } {
  const at = ref.lastIndexOf('@');
  return at > 0 ? { name: ref.slice(0, at), version: ref.slice(at + 1) } : { name: ref };
}

const mb = (n: number): string => (n / 1e6).toFixed(1);

/** A progress bar on stderr: redrawn in place on a terminal, a line per quarter otherwise. */
export function progressBar(out: TextOut, label: string): (p: HashProgress) => void {
  let lastDraw = 0;
  let lastQuarter = -1;
  return ({ bytes, total }) => {
    const ratio = total === 0 ? 1 : bytes / total;
    const done = bytes >= total;
    if (out.isTTY) {
      const now = Date.now();
      if (!done && now - lastDraw < 100) return;
      lastDraw = now;
      const filled = Math.round(ratio * 30);
      out.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(30 - filled)}] ${Math.floor(ratio * 100)}% ${mb(bytes)}/${mb(total)} MB${done ? '\n' : ''}`);
    } else {
      const quarter = Math.floor(ratio * 4);
      if (quarter === lastQuarter) return;
      lastQuarter = quarter;
      out.write(`${label} ${quarter * 25}% ${mb(bytes)}/${mb(total)} MB\n`);
    }
  };
}

async function list(args: string[], deps: ModelsCommandDeps): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { json: { type: 'boolean' } } });
  const entries = await deps.store.list();
  const promoted = new Map<string, string | undefined>();
  for (const name of new Set(entries.map((e) => e.name))) promoted.set(name, await deps.store.promoted(name));
  if (values.json) {
    deps.stdout.write(
      `${JSON.stringify(
        entries.map((e) => ({ ...e, promoted: promoted.get(e.name) === e.version })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const rows = [['NAME', 'VERSION', 'STATUS', 'UPSTREAM', 'SIZE MB', 'SHA256']];
  for (const e of entries) {
    const mark = promoted.get(e.name) === e.version ? '*' : ' ';
    rows.push([`${mark}${e.name}`, e.version, e.status, e.upstream, e.sizeBytes ? mb(e.sizeBytes) : '-', e.provenance?.sha256?.slice(0, 12) ?? '-']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    deps.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

async function resolveRef(ref: string, store: RegistryStore): Promise<ModelEntry | undefined> {
  const { name, version } = splitRef(ref);
  const wanted = version ?? (await store.promoted(name));
  if (wanted) return store.get(name, wanted);
  return (await store.list()).filter((e) => e.name === name && e.status !== 'retired').at(-1);
}

async function show(args: string[], deps: ModelsCommandDeps): Promise<number> {
  const [ref] = positionals(args, 1, 'show NAME[@VERSION]');
  const entry = await resolveRef(ref, deps.store);
  if (!entry) throw new Error(`model ${ref} is not in the registry`);
  deps.stdout.write(`${JSON.stringify(entry, null, 2)}\n`);
  return 0;
}

async function importFile(args: string[], deps: ModelsCommandDeps): Promise<number> {
  const { values, positionals: pos } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      version: { type: 'string' },
      source: { type: 'string' },
      license: { type: 'string' },
      upstream: { type: 'string' },
      'upstream-model': { type: 'string' },
      alias: { type: 'string', multiple: true },
      'context-length': { type: 'string' },
      priority: { type: 'string' },
      force: { type: 'boolean' },
      'no-promote': { type: 'boolean' },
    },
  });
  if (pos.length !== 1) throw new UsageError('expected: import FILE.gguf [options]');
  const contextLength = values['context-length'] === undefined ? undefined : Number(values['context-length']);
  if (contextLength !== undefined && !(Number.isInteger(contextLength) && contextLength > 0))
    throw new UsageError('--context-length must be a positive integer');
  const actor = actorOf(deps);
  const entry = await buildGgufEntry({
    file: pos[0],
    name: values.name,
    version: values.version,
    source: values.source,
    license: values.license,
    upstream: values.upstream,
    upstreamModel: values['upstream-model'],
    aliases: values.alias,
    contextLength,
    priority: values.priority,
    importedBy: actor,
    onProgress: progressBar(deps.stderr, 'hashing'),
    estimateFootprint: registryFootprintEstimate,
  });
  const key = `${entry.name}@${entry.version}`;
  const existing = await deps.store.get(entry.name, entry.version);
  if (existing && existing.provenance?.sha256 === entry.provenance?.sha256 && !values.force) {
    deps.stdout.write(`${key} is already registered with the same sha256; nothing to do\n`);
    return 0;
  }
  if (existing && !values.force)
    throw new Error(`${key} exists with a different sha256 (${existing.provenance?.sha256 ?? 'none'}); use --force or another --version`);
  await deps.store.upsert(entry);
  deps.audit.record({
    type: 'model.import',
    actor,
    target: key,
    outcome: 'ok',
    details: { sha256: entry.provenance?.sha256, source: entry.provenance?.source, sizeBytes: entry.sizeBytes, replaced: Boolean(existing) },
  });
  deps.stdout.write(
    `imported ${key}  sha256 ${entry.provenance?.sha256}  ${entry.provenance?.gguf?.architecture ?? '?'} ${entry.provenance?.gguf?.quantization ?? '?'}  ctx ${entry.contextLength ?? '?'}\n`,
  );
  // The first version of a name becomes its current one; later versions wait for `promote`.
  if (!values['no-promote'] && (await deps.store.promoted(entry.name)) === undefined) {
    await deps.store.promote(entry.name, entry.version, actor);
    deps.audit.record({ type: 'model.promote', actor, target: entry.name, outcome: 'ok', details: { version: entry.version, reason: 'first import' } });
    deps.stdout.write(`promoted ${key} (first version of ${entry.name})\n`);
  }
  return 0;
}

async function verify(args: string[], deps: ModelsCommandDeps): Promise<number> {
  const { positionals: pos } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
  const ref = pos[0] ? splitRef(pos[0]) : undefined;
  const entries = (await deps.store.list()).filter(
    (e) => e.path && e.provenance?.sha256 && (!ref || (e.name === ref.name && (!ref.version || e.version === ref.version))),
  );
  if (entries.length === 0) {
    deps.stdout.write('no entries with a file and a recorded sha256 to verify\n');
    return ref ? 1 : 0;
  }
  const flagged: { target: string; problem: string }[] = [];
  for (const e of entries) {
    const key = `${e.name}@${e.version}`;
    try {
      const { sha256 } = await sha256File(e.path!, progressBar(deps.stderr, `verifying ${key}`));
      if (sha256 === e.provenance!.sha256) deps.stdout.write(`ok       ${key}  ${e.path}\n`);
      else {
        flagged.push({ target: key, problem: 'changed' });
        deps.stdout.write(`CHANGED  ${key}  ${e.path}  expected ${e.provenance!.sha256}  got ${sha256}\n`);
      }
    } catch (err) {
      flagged.push({ target: key, problem: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable' });
      deps.stdout.write(`MISSING  ${key}  ${e.path}  (${(err as Error).message})\n`);
    }
  }
  deps.audit.record({ type: 'model.verify', actor: actorOf(deps), outcome: flagged.length ? 'error' : 'ok', details: { checked: entries.length, flagged } });
  return flagged.length ? 1 : 0;
}

async function audited<T>(deps: ModelsCommandDeps, type: string, target: string, details: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    deps.audit.record({ type, actor: actorOf(deps), target, outcome: 'error', details: { ...details, error: (err as Error).message } });
    throw err;
  }
}

async function promote(args: string[], deps: ModelsCommandDeps): Promise<number> {
  const [name, version] = positionals(args, 2, 'promote NAME VERSION');
  const previous = await audited(deps, 'model.promote', name, { version }, () => deps.store.promote(name, version, actorOf(deps)));
  deps.audit.record({ type: 'model.promote', actor: actorOf(deps), target: name, outcome: 'ok', details: { version, previous } });
  deps.stdout.write(previous === version ? `${name} already resolves to ${version}\n` : `${name}: ${previous ?? '(none)'} → ${version}\n`);
  return 0;
}

async function rollback(args: string[], deps: ModelsCommandDeps): Promise<number> {
  const [name] = positionals(args, 1, 'rollback NAME');
  const previous = await deps.store.promoted(name);
  const version = await audited(deps, 'model.rollback', name, { previous }, () => deps.store.rollback(name, actorOf(deps)));
  deps.audit.record({ type: 'model.rollback', actor: actorOf(deps), target: name, outcome: 'ok', details: { version, previous } });
  deps.stdout.write(`${name}: ${previous ?? '(none)'} → ${version} (rolled back)\n`);
  return 0;
}

async function setStatus(status: ModelStatus, args: string[], deps: ModelsCommandDeps): Promise<number> {
  const [name, version] = positionals(args, 2, `${status} NAME VERSION`);
  const target = `${name}@${version}`;
  await audited(deps, 'model.status', target, { status }, () => deps.store.setStatus(name, version, status));
  deps.audit.record({ type: 'model.status', actor: actorOf(deps), target, outcome: 'ok', details: { status } });
  if (status === 'retired' && (await deps.store.promoted(name)) === version)
    deps.stderr.write(`warning: ${target} was the promoted version; promote or roll back ${name}\n`);
  deps.stdout.write(`${target} is now ${status}\n`);
  return 0;
}
