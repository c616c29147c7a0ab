// Consultation documents (markdown with YAML front matter, `type: consultation`) as pure
// functions: parse one, build the prompt that asks a model to answer each question under its
// heading, and render the model's answer as a `consultation-response` document.
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export interface Consultation {
  id: string;
  parent?: string;
  consultant?: string;
  status?: string;
  date?: string;
  /** The whole front matter as parsed. */
  frontMatter: Record<string, unknown>;
  /** The markdown after the front matter. */
  body: string;
  /** The question headings (`### 1. Retention`) under `## Questions`, in order. */
  questions: string[];
}

/** A document that is not a consultation, with the reason a caller can show as it is. */
export class ConsultationError extends Error {
  readonly code = 'invalid_consultation';
}

const frontMatterPattern = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

/** Splits `---` front matter from the body; no front matter is an error here. */
export function splitFrontMatter(document: string): { frontMatter: Record<string, unknown>; body: string } {
  const match = frontMatterPattern.exec(document);
  if (!match) throw new ConsultationError('The document has no YAML front matter (it must start with a line "---").');
  let parsed: unknown;
  try {
    parsed = parseYaml(match[1]);
  } catch (err) {
    throw new ConsultationError(`The front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConsultationError('The front matter is not a YAML mapping.');
  return { frontMatter: parsed as Record<string, unknown>, body: match[2] };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : undefined);

export function parseConsultation(document: string): Consultation {
  const { frontMatter, body } = splitFrontMatter(document);
  if (frontMatter.type !== 'consultation') {
    throw new ConsultationError(
      `The document is not a consultation: its front matter says type: ${JSON.stringify(frontMatter.type ?? null)}, expected "consultation".`,
    );
  }
  const id = text(frontMatter.id);
  if (!id) throw new ConsultationError('The consultation has no `id` in its front matter.');
  return {
    id,
    parent: text(frontMatter.parent),
    consultant: text(frontMatter.consultant),
    status: text(frontMatter.status),
    date: text(frontMatter.date),
    frontMatter,
    body,
    questions: questionHeadings(body),
  };
}

/** `###` headings inside the `## Questions` section (the fixture's shape); none when it has none. */
export function questionHeadings(body: string): string[] {
  const out: string[] = [];
  let inQuestions = false;
  for (const line of body.split(/\r?\n/)) {
    const h2 = /^##\s+(.*)$/.exec(line);
    if (h2) {
      inQuestions = /^questions\b/i.test(h2[1].trim());
      continue;
    }
    const h3 = /^###\s+(.*)$/.exec(line);
    if (inQuestions && h3) out.push(h3[1].trim());
  }
  return out;
}

/** The chat messages that ask a model to answer `c`, question by question under its heading. */
export function consultationPrompt(c: Consultation): { role: 'system' | 'user'; content: string }[] {
  const headings = c.questions.length > 0 ? c.questions.map((q) => `### ${q}`).join('\n') : '(answer the document as a whole)';
  return [
    {
      role: 'system',
      content:
        'You are a consultant answering a consultation document. Answer in markdown. For each question, write its heading exactly as given, then your answer under it. Then address the deliverables. Be concrete and brief.',
    },
    { role: 'user', content: `${c.body.trim()}\n\n---\nAnswer under these headings, in this order:\n${headings}` },
  ];
}

export interface ConsultationResponseOptions {
  consultation: Consultation;
  /** `name@version` of the model that answered. */
  consultant: string;
  answer: string;
  /** ISO time of the answer. */
  date: string;
}

/** The response document: front matter naming its parent consultation, then the model's answer. */
export function renderConsultationResponse({ consultation, consultant, answer, date }: ConsultationResponseOptions): string {
  const frontMatter = { type: 'consultation-response', id: `${consultation.id}-RESPONSE`, parent: consultation.id, consultant, date, status: 'answered' };
  const title = `# Response to ${consultation.id}`;
  return `---\n${stringifyYaml(frontMatter).trimEnd()}\n---\n\n${title}\n\n${answer.trim()}\n`;
}

/** `<id>.<model>.response.md` with anything a file name cannot hold replaced (Windows included). */
export function responseFileName(consultationId: string, model: string): string {
  const safe = (s: string) =>
    [...s]
      .map((ch) => (ch.charCodeAt(0) < 32 || '<>:"/\\|?*'.includes(ch) ? '_' : ch))
      .join('')
      .replace(/^\.+/, '_');
  return `${safe(consultationId)}.${safe(model)}.response.md`;
}
