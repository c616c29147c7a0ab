// Content facts the policy decides on, computed in TypeScript (regexes are cheap here and a host
// call from wasm is not): secrets in prompts or tool arguments, and whether images are attached.
import type { ContentFacts, SecretCategory } from './types';

export interface SecretMatch {
  kind: string;
  category: SecretCategory;
  start: number;
  end: number;
}

interface Detector {
  kind: string;
  category: SecretCategory;
  pattern: RegExp;
}

// Token shapes as published by the issuers (GitHub, Slack, AWS, Google) and gitleaks' rules;
// every pattern is linear (no nested quantifiers) so a hostile prompt cannot stall the loop.
const DETECTORS: Detector[] = [
  { kind: 'pem_private_key', category: 'private_key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { kind: 'aws_access_key_id', category: 'cloud_credential', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { kind: 'aws_secret_access_key', category: 'cloud_credential', pattern: /aws_secret_access_key\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}\b/gi },
  { kind: 'gcp_api_key', category: 'cloud_credential', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'azure_storage_key', category: 'cloud_credential', pattern: /AccountKey=[A-Za-z0-9+/]{80,}={0,2}/g },
  { kind: 'github_token', category: 'api_key', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/g },
  { kind: 'slack_token', category: 'api_key', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'openai_style_key', category: 'api_key', pattern: /\bsk-[A-Za-z0-9_-]{20,}/g },
  { kind: 'jwt', category: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g },
];

/** Every secret-looking span in `text`, in detector order; also what RAG redaction can cut out. */
export function findSecrets(text: string): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const d of DETECTORS) {
    d.pattern.lastIndex = 0;
    for (const m of text.matchAll(d.pattern)) found.push({ kind: d.kind, category: d.category, start: m.index, end: m.index + m[0].length });
  }
  return found;
}

// Cheap pre-filter: most prompts contain none of the anchors, so the detectors never run on them.
const MAYBE_SECRET = /PRIVATE KEY|AKIA|ASIA|ABIA|ACCA|aws_secret|AIza|AccountKey=|gh[pousr]_|github_pat_|xox[abposr]-|sk-|eyJ/i;

export const noContentFacts: ContentFacts = Object.freeze({ has_private_key: false, has_cloud_credential: false, has_api_key: false, has_jwt: false });

/** The four booleans the policy reads, from any number of text fragments. */
export function secretFacts(texts: Iterable<string>): ContentFacts {
  const facts = { ...noContentFacts };
  for (const text of texts) {
    if (!MAYBE_SECRET.test(text)) continue;
    for (const d of DETECTORS) {
      d.pattern.lastIndex = 0;
      if (!d.pattern.test(text)) continue;
      if (d.category === 'private_key') facts.has_private_key = true;
      else if (d.category === 'cloud_credential') facts.has_cloud_credential = true;
      else if (d.category === 'api_key') facts.has_api_key = true;
      else facts.has_jwt = true;
    }
  }
  return facts;
}

/** Only the facts that hold, as the policy input carries them. */
export function foundFacts(facts: ContentFacts): Partial<ContentFacts> {
  const found: Partial<ContentFacts> = {};
  if (facts.has_private_key) found.has_private_key = true;
  if (facts.has_cloud_credential) found.has_cloud_credential = true;
  if (facts.has_api_key) found.has_api_key = true;
  if (facts.has_jwt) found.has_jwt = true;
  return found;
}

/** The subset of an OpenAI chat message that carries text or images. */
export interface ChatMessageLike {
  role: string;
  content?: string | null | ReadonlyArray<{ type: string; text?: string }>;
  tool_calls?: ReadonlyArray<{ function?: { name?: string; arguments?: string } }>;
}

/** Text fragments of a conversation: contents, text parts and tool-call arguments. */
export function* messageTexts(messages: readonly ChatMessageLike[]): Generator<string> {
  for (const m of messages) {
    if (typeof m.content === 'string') yield m.content;
    else if (Array.isArray(m.content)) for (const part of m.content) if (typeof part.text === 'string') yield part.text;
    for (const call of m.tool_calls ?? []) if (typeof call.function?.arguments === 'string') yield call.function.arguments;
  }
}

const IMAGE_PARTS = new Set(['image_url', 'input_image', 'image']);

export function hasImages(messages: readonly ChatMessageLike[]): boolean {
  return messages.some((m) => Array.isArray(m.content) && m.content.some((p) => IMAGE_PARTS.has(p.type)));
}

export function messageFacts(messages: readonly ChatMessageLike[]): ContentFacts {
  return secretFacts(messageTexts(messages));
}

/** Facts over a tool call's arguments: every string value, however deeply nested. */
export function argumentFacts(args: unknown): ContentFacts {
  return secretFacts(stringsIn(args));
}

function* stringsIn(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* stringsIn(v);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) yield* stringsIn(v);
}
