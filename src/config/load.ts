// Loads aegis.yaml from a string or a file: YAML, `${env:NAME}` substitution, schema validation,
// and errors that name the path of the bad key.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type AegisConfig } from './schema';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** Replaces `${env:NAME}` and `${env:NAME:-default}` in every string value of the parsed document. */
export function substituteEnv(value: unknown, env: Env, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
      const v = env[name] ?? fallback;
      if (v === undefined) throw new ConfigError(`${path || '(root)'}: environment variable ${name} is not set`, path);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, path ? `${path}.${k}` : k)]));
  }
  return value;
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

export function parseConfig(text: string, env: Env = {}, source = 'aegis.yaml'): AegisConfig {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ConfigError(`${source}${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = configSchema.safeParse(substituteEnv(doc, env));
  if (!result.success) {
    const lines = result.error.issues.map((i: z.core.$ZodIssue) => `${formatPath(i.path) || '(root)'}: ${i.message}`);
    throw new ConfigError(`${source}: invalid configuration\n  ${lines.join('\n  ')}`, formatPath(result.error.issues[0]!.path));
  }
  return checkReferences(result.data, source);
}

/** Cross-field checks the schema cannot express. */
function checkReferences(config: AegisConfig, source: string): AegisConfig {
  const names = new Set<string>();
  config.upstreams.forEach((u, i) => {
    if (names.has(u.name)) throw new ConfigError(`${source}: upstreams[${i}].name: duplicate upstream "${u.name}"`, `upstreams[${i}].name`);
    names.add(u.name);
    if (u.type === 'managed' && !u.managed) throw new ConfigError(`${source}: upstreams[${i}].managed: required for type "managed"`, `upstreams[${i}].managed`);
    if (u.type !== 'managed' && !u.url) throw new ConfigError(`${source}: upstreams[${i}].url: required for type "${u.type}"`, `upstreams[${i}].url`);
  });
  config.models.forEach((m, i) => {
    if (!names.has(m.upstream)) throw new ConfigError(`${source}: models[${i}].upstream: unknown upstream "${m.upstream}"`, `models[${i}].upstream`);
    const up = config.upstreams.find((u) => u.name === m.upstream)!;
    if (up.type === 'managed' && !m.path)
      throw new ConfigError(`${source}: models[${i}].path: a GGUF path is required for managed upstream "${up.name}"`, `models[${i}].path`);
  });
  return config;
}

export function loadConfigFile(file: string, env: Env = process.env): AegisConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return resolvePaths(parseConfig(text, env, file), dirname(resolve(file)));
}

/**
 * Relative paths in a config file mean "next to this file", whatever directory Aegis was started
 * from (a service manager's working directory is rarely the config's).
 */
function resolvePaths(config: AegisConfig, dir: string): AegisConfig {
  const near = (path: string | undefined) => (path === undefined || isAbsolute(path) ? path : resolve(dir, path));
  const { keysFile } = config.auth;
  const consultations = config.integrations.consultations;
  return {
    ...config,
    auth: { ...config.auth, keysFile: near(keysFile) },
    integrations: { ...config.integrations, consultations: { ...consultations, dir: near(consultations.dir) } },
  };
}
