// Redaction before any sink (RAG, audit, spool, logs): secret patterns always, optional patterns
// when a policy obligation names them, operator regexes from config.
import type { LogFields, LogFn, Logger } from '../core';
import type { ExchangeRecord } from './types';

export interface RedactionPattern {
  name: string;
  /** Must be global; `compilePattern` adds the flag. */
  regex: RegExp;
  /** Replacement; `$1` keeps a prefix such as `Bearer ` or `password=`. Default `[REDACTED:name]`. */
  replace?: string;
  /**
   * What every match contains (a literal or two), cheaper to look for than the pattern itself: the
   * prefilter scans for the anchors of all patterns at once. Without one it runs the pattern.
   */
  anchor?: RegExp;
}

export interface PatternConfig {
  name?: string;
  regex: string;
  flags?: string;
}

const secret = (name: string, anchor: RegExp, regex: RegExp, replace?: string): RedactionPattern => ({ name, regex, replace, anchor });

/** Secrets that must never reach a sink, whatever the policy says. Each anchor is a part every match has. */
export const defaultSecretPatterns: readonly RedactionPattern[] = [
  // Up to the END line, or to the end of the text when a truncation cut the key in half.
  secret('private_key', /-----BEGIN/, /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g),
  secret('openai_key', /sk-/, /\bsk-[A-Za-z0-9_-]{20,}/g),
  secret('aegis_key', /aegis[-_]/, /\baegis[-_][A-Za-z0-9_-]{16,}/g),
  secret('aws_access_key', /AKIA|ASIA/, /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g),
  secret('github_token', /gh[pousr]_|github_pat_/, /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g),
  secret('slack_token', /xox[abposr]-/, /\bxox[abposr]-[A-Za-z0-9-]{10,}/g),
  secret('google_api_key', /AIza/, /\bAIza[0-9A-Za-z_-]{35}/g),
  secret('huggingface_token', /hf_/, /\bhf_[A-Za-z0-9]{30,}/g),
  secret('jwt', /eyJ/, /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g),
  secret('bearer_token', /bearer/i, /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi, '$1[REDACTED:bearer_token]'),
  secret('url_password', /:\/\//, /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, '$1[REDACTED:url_password]@'),
  secret(
    'secret_assignment',
    /api|secret|token|passw|pwd/i,
    /(\b(?:api[_-]?key|apikey|secret[_-]?key|client[_-]?secret|access[_-]?token|auth[_-]?token|token|password|passwd|pwd)["']?\s*[:=]\s*["']?)[^\s"',;]{6,}/gi,
    '$1[REDACTED:secret]',
  ),
];

/** Patterns a policy obligation may ask for by name. */
export const optionalPatterns: Readonly<Record<string, RedactionPattern>> = {
  email: secret('email', /@/, /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g),
  ipv4: secret('ipv4', /\d\.\d/, /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g),
  phone: secret('phone', /\d[\d ()-]{7,}\d/, /(?<![\w+])\+?\d[\d ()-]{7,}\d\b/g),
  credit_card: secret('credit_card', /\d[ -]?\d[ -]?\d[ -]?\d/, /\b(?:\d[ -]?){13,19}\b/g),
};

export function compilePattern(config: PatternConfig): RedactionPattern {
  const flags = new Set((config.flags ?? '').split(''));
  flags.add('g');
  return { name: config.name ?? 'custom', regex: new RegExp(config.regex, [...flags].join('')) };
}

/** Obligation rules: a known optional name, otherwise a regex source. */
export function patternsFor(rules: readonly string[] = []): RedactionPattern[] {
  return rules.map((rule) => optionalPatterns[rule] ?? compilePattern({ name: 'policy', regex: rule }));
}

const withExtras = new WeakMap<readonly RedactionPattern[], Map<string, readonly RedactionPattern[]>>();
/** Distinct obligation lists remembered per base list (policies name a handful; this only bounds a pathological one). */
const MAX_EXTRA_LISTS = 64;

/**
 * `base` plus the obligation rules `extra`, the same list object for the same rules, so the compiled
 * prefilter below is built once per distinct obligation rather than once per record.
 */
export function patternsWith(base: readonly RedactionPattern[], extra: readonly string[] = []): readonly RedactionPattern[] {
  if (extra.length === 0) return base;
  let lists = withExtras.get(base);
  if (!lists) withExtras.set(base, (lists = new Map()));
  const key = extra.join('\0');
  let list = lists.get(key);
  if (!list) {
    list = [...base, ...patternsFor(extra)];
    if (lists.size >= MAX_EXTRA_LISTS) lists.clear();
    lists.set(key, list);
  }
  return list;
}

/**
 * What a pattern list compiles to, once: the prefilter tested before the replace passes (most texts
 * hold no secret, and a scan for the patterns' anchors costs far less than a replace per pattern; it
 * only ever says "maybe" more often than the patterns, never less), and the shortest text any of
 * them can match when every pattern is a built-in one.
 */
interface CompiledPatterns {
  patterns: readonly RedactionPattern[];
  /** Anchors sharing flags are one alternation; a pattern without an anchor is tested itself. */
  maybe: readonly RegExp[];
  minLength: number;
}

const compiled = new WeakMap<readonly RedactionPattern[], CompiledPatterns>();
/** Built-in patterns never match fewer characters than this (an email `a@b.cd`). */
const BUILT_IN_MIN_LENGTH = 6;
const builtIns = new Set<RedactionPattern>([...defaultSecretPatterns, ...Object.values(optionalPatterns)]);

/** `lastIndex` is state: the prefilter's `test` must not inherit it from a replace. */
const nonGlobal = (r: RegExp) => new RegExp(r.source, r.flags.replace(/[gy]/g, ''));

function prefilter(patterns: readonly RedactionPattern[]): RegExp[] {
  const anchorsByFlags = new Map<string, string[]>();
  const own: RegExp[] = [];
  for (const p of patterns) {
    // Only anchors are joined: a custom pattern's groups or backreferences would change meaning.
    if (!p.anchor) {
      own.push(nonGlobal(p.regex));
      continue;
    }
    const flags = p.anchor.flags.replace(/[gy]/g, '');
    const sources = anchorsByFlags.get(flags) ?? [];
    sources.push(p.anchor.source);
    anchorsByFlags.set(flags, sources);
  }
  return [...[...anchorsByFlags].map(([flags, sources]) => new RegExp(sources.join('|'), flags)), ...own];
}

function compile(patterns: readonly RedactionPattern[]): CompiledPatterns {
  let c = compiled.get(patterns);
  if (!c) {
    c = { patterns, maybe: prefilter(patterns), minLength: patterns.every((p) => builtIns.has(p)) ? BUILT_IN_MIN_LENGTH : 1 };
    compiled.set(patterns, c);
  }
  return c;
}

function mayHoldSecret(text: string, c: CompiledPatterns): boolean {
  for (const r of c.maybe) if (r.test(text)) return true;
  return false;
}

function redactCompiled(text: string, c: CompiledPatterns): string {
  if (text.length < c.minLength || !mayHoldSecret(text, c)) return text;
  let out = text;
  for (const p of c.patterns) out = out.replace(p.regex, p.replace ?? `[REDACTED:${p.name}]`);
  return out;
}

export function redactText(text: string, patterns: readonly RedactionPattern[] = defaultSecretPatterns): string {
  return redactCompiled(text, compile(patterns));
}

// Values under these keys are secrets whatever they look like (headers, config echoes, tool args).
const SECRET_KEYS =
  /^(?:authorization|proxy-authorization|x-api-key|api[_-]?key|apikey|password|passwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|private[_-]?key|cookie|set-cookie)$/i;
/** Records repeat the same few dozen keys, so the answer is remembered (bounded: keys may come from clients). */
const secretKeyCache = new Map<string, boolean>();

function isSecretKey(key: string): boolean {
  let secret = secretKeyCache.get(key);
  if (secret === undefined) {
    secret = SECRET_KEYS.test(key);
    if (secretKeyCache.size >= 1_000) secretKeyCache.clear();
    secretKeyCache.set(key, secret);
  }
  return secret;
}

/**
 * `value` with every string redacted and every value under a secret-named key replaced. Copy on
 * write: objects and arrays with nothing to redact are returned as they are (most records hold no
 * secret, and copying them was most of the cost), so the result must be treated as read-only.
 */
export function redactValue<T>(value: T, patterns: readonly RedactionPattern[] = defaultSecretPatterns): T {
  return walk(value, compile(patterns)) as T;
}

function walk(value: unknown, patterns: CompiledPatterns): unknown {
  if (typeof value === 'string') return redactCompiled(value, patterns);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = walk(value[i], patterns);
      if (v !== value[i]) out ??= value.slice();
      if (out) out[i] = v;
    }
    return out ?? value;
  }
  // Errors carry their text in non-enumerable fields; keep what a log reader needs, redacted.
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: redactCompiled(value.message, patterns), ...(code === undefined ? {} : { code }) };
  }
  return walkObject(value as Record<string, unknown>, patterns);
}

/** An object's fields redacted, copy on write; fields named in `skip` are kept as they are. */
function walkObject(source: Record<string, unknown>, patterns: CompiledPatterns, skip?: ReadonlySet<string>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(source)) {
    if (skip?.has(k)) continue;
    const v = source[k];
    const w = v != null && isSecretKey(k) ? '[REDACTED]' : walk(v, patterns);
    if (w !== v) out ??= { ...source };
    if (out) out[k] = w;
  }
  return out ?? source;
}

export interface RedactRecordOptions {
  /** The always-on set (defaults plus operator regexes); defaults to `defaultSecretPatterns`. */
  patterns?: readonly RedactionPattern[];
  /** What the policy's obligations ask for on top. */
  extra?: readonly string[];
}

/**
 * Record fields whose values Aegis itself produces (times, numbers, its decision id, names from the
 * config or registry), never text a client, model or tool wrote: skipped, since scanning a dozen
 * such strings cost as much as scanning the conversation. The request id is scanned (a client may
 * choose it), as are decision reasons (they quote tool names).
 */
const AEGIS_FIELDS = new Set<string>([
  'time',
  'endedAt',
  'principalId',
  'route',
  'api',
  'model',
  'modelVersion',
  'upstream',
  'upstreamModel',
  'stream',
  'usage',
  'latencyMs',
  'ttftMs',
  'status',
  'complete',
  'decisionId',
] satisfies (keyof ExchangeRecord)[]);

export function redactRecord(record: ExchangeRecord, { patterns = defaultSecretPatterns, extra = [] }: RedactRecordOptions = {}): ExchangeRecord {
  return walkObject(record as unknown as Record<string, unknown>, compile(patternsWith(patterns, extra)), AEGIS_FIELDS) as unknown as ExchangeRecord;
}

/** A Logger that redacts its message and fields before they reach the real one. */
export function redactingLogger(inner: Logger, patterns: readonly RedactionPattern[] = defaultSecretPatterns): Logger {
  // Called through `inner[level]` so loggers that rely on `this` (pino) keep working.
  const wrap = (level: 'debug' | 'info' | 'warn' | 'error'): LogFn =>
    ((a: LogFields | string, b?: string) => {
      if (typeof a === 'string') inner[level](redactText(a, patterns));
      else inner[level](redactValue(a, patterns), b === undefined ? undefined : redactText(b, patterns));
    }) as LogFn;
  return {
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
    child: (bindings) => redactingLogger(inner.child(redactValue(bindings, patterns)), patterns),
  };
}
