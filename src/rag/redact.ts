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
}

export interface PatternConfig {
  name?: string;
  regex: string;
  flags?: string;
}

const secret = (name: string, regex: RegExp, replace?: string): RedactionPattern => ({ name, regex, replace });

/** Secrets that must never reach a sink, whatever the policy says. */
export const defaultSecretPatterns: readonly RedactionPattern[] = [
  // Up to the END line, or to the end of the text when a truncation cut the key in half.
  secret('private_key', /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g),
  secret('openai_key', /\bsk-[A-Za-z0-9_-]{20,}/g),
  secret('aegis_key', /\baegis[-_][A-Za-z0-9_-]{16,}/g),
  secret('aws_access_key', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g),
  secret('github_token', /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g),
  secret('slack_token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/g),
  secret('google_api_key', /\bAIza[0-9A-Za-z_-]{35}/g),
  secret('huggingface_token', /\bhf_[A-Za-z0-9]{30,}/g),
  secret('jwt', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g),
  secret('bearer_token', /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi, '$1[REDACTED:bearer_token]'),
  secret('url_password', /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, '$1[REDACTED:url_password]@'),
  secret(
    'secret_assignment',
    /(\b(?:api[_-]?key|apikey|secret[_-]?key|client[_-]?secret|access[_-]?token|auth[_-]?token|token|password|passwd|pwd)["']?\s*[:=]\s*["']?)[^\s"',;]{6,}/gi,
    '$1[REDACTED:secret]',
  ),
];

/** Patterns a policy obligation may ask for by name. */
export const optionalPatterns: Readonly<Record<string, RedactionPattern>> = {
  email: secret('email', /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g),
  ipv4: secret('ipv4', /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g),
  phone: secret('phone', /(?<![\w+])\+?\d[\d ()-]{7,}\d\b/g),
  credit_card: secret('credit_card', /\b(?:\d[ -]?){13,19}\b/g),
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

/**
 * What a pattern list compiles to, once: one case-insensitive alternation of every pattern, tested
 * before the replace passes (most texts hold no secret, and one scan costs far less than a replace
 * per pattern; it only ever says "maybe" more often than the patterns, never less), and the
 * shortest text any of them can match when every pattern is a built-in one.
 */
interface CompiledPatterns {
  patterns: readonly RedactionPattern[];
  maybe: RegExp | null;
  minLength: number;
}

const compiled = new WeakMap<readonly RedactionPattern[], CompiledPatterns>();
/** Built-in patterns never match fewer characters than this (an email `a@b.cd`). */
const BUILT_IN_MIN_LENGTH = 6;
const builtIns = new Set<RedactionPattern>([...defaultSecretPatterns, ...Object.values(optionalPatterns)]);

function compile(patterns: readonly RedactionPattern[]): CompiledPatterns {
  let c = compiled.get(patterns);
  if (!c) {
    let maybe: RegExp | null;
    try {
      maybe = new RegExp(patterns.map((p) => `(?:${p.regex.source})`).join('|'), 'i');
    } catch {
      maybe = null; // a custom pattern that only compiles with its own flags: no shortcut
    }
    c = { patterns, maybe, minLength: patterns.every((p) => builtIns.has(p)) ? BUILT_IN_MIN_LENGTH : 1 };
    compiled.set(patterns, c);
  }
  return c;
}

function redactCompiled(text: string, c: CompiledPatterns): string {
  if (text.length < c.minLength) return text;
  if (c.maybe && !c.maybe.test(text)) return text;
  let out = text;
  for (const p of c.patterns) out = out.replace(p.regex, p.replace ?? `[REDACTED:${p.name}]`);
  return out;
}

export function redactText(text: string, patterns: readonly RedactionPattern[] = defaultSecretPatterns): string {
  return redactCompiled(text, compile(patterns));
}

// Values under these keys are secrets whatever they look like (headers, config echoes, tool args).
const SECRET_KEYS = /^(?:authorization|proxy-authorization|x-api-key|api[_-]?key|apikey|password|passwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|private[_-]?key|cookie|set-cookie)$/i;

/** Deep copy with every string redacted and every value under a secret-named key replaced. */
export function redactValue<T>(value: T, patterns: readonly RedactionPattern[] = defaultSecretPatterns): T {
  return walk(value, compile(patterns)) as T;
}

function walk(value: unknown, patterns: CompiledPatterns): unknown {
  if (typeof value === 'string') return redactCompiled(value, patterns);
  if (Array.isArray(value)) return value.map((v) => walk(v, patterns));
  // Errors carry their text in non-enumerable fields; keep what a log reader needs, redacted.
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: redactCompiled(value.message, patterns), ...(code === undefined ? {} : { code }) };
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) && v != null ? '[REDACTED]' : walk(v, patterns);
    return out;
  }
  return value;
}

export interface RedactRecordOptions {
  /** The always-on set (defaults plus operator regexes); defaults to `defaultSecretPatterns`. */
  patterns?: readonly RedactionPattern[];
  /** What the policy's obligations ask for on top. */
  extra?: readonly string[];
}

export function redactRecord(record: ExchangeRecord, { patterns = defaultSecretPatterns, extra = [] }: RedactRecordOptions = {}): ExchangeRecord {
  // Same list identity when nothing is added, so the prefilter cache hits.
  return redactValue(record, extra.length === 0 ? patterns : [...patterns, ...patternsFor(extra)]);
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
