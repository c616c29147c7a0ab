// Real text for counting prompts: this repository's own documentation and sources, the READMEs of
// the packages it installs (prose, tables, code), and a few lines in other scripts, cut into
// conversations that grow one exchange at a time (so each runtime evaluation reuses the previous
// prompt from its KV cache and only the new part costs time).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../scheduler/rng';
import { repoRoot } from '../harness/processes';

const OTHER_SCRIPTS = [
  'Le routeur choisit le modèle local le plus proche et garde le prompt système intact.',
  'Die Anfrage wurde gekürzt, weil das Kontextfenster des Modells nur 2048 Token fasst.',
  'ローカルモデルのコンテキストは小さいので、古い会話から順に削除します。',
  'Шлюз сообщает клиенту, сколько сообщений было удалено из истории.',
  '本地模型的上下文窗口很小，网关会告诉客户端删除了什么。',
  'Los agentes escritos para ventanas grandes reciben una respuesta, no un error 400. ✅🚀',
];

function files(dir: string, pattern: RegExp, depth = 4): string[] {
  if (depth < 0) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'results') out.push(...files(p, pattern, depth - 1));
    else if (e.isFile() && pattern.test(e.name) && statSync(p).size > 2_000) out.push(p);
  }
  return out;
}

/** Paragraph-sized pieces of real text, in a fixed order. */
export function corpus(): string[] {
  const sources = [
    ...files(join(repoRoot, 'docs'), /\.md$/),
    ...files(join(repoRoot, 'src'), /\.(ts|md)$/),
    ...readdirSync(join(repoRoot, 'node_modules'))
      .filter((d) => !d.startsWith('.') && !d.startsWith('@'))
      .map((d) => join(repoRoot, 'node_modules', d, 'README.md'))
      .filter((p) => {
        try {
          return statSync(p).size > 2_000;
        } catch {
          return false;
        }
      }),
  ];
  const pieces: string[] = [];
  for (const f of sources) {
    const text = readFileSync(f, 'utf8');
    for (const para of text.split(/\n{2,}/)) if (para.trim().length > 40) pieces.push(para.trim());
  }
  return pieces;
}

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/**
 * `count` prompts from conversations that grow one exchange at a time, each kept under
 * `maxChars` characters so that it fits the runtime's context.
 */
export function growingPrompts(count: number, maxChars: number, seed = 7): ChatMessage[][] {
  const rng = new Rng(seed);
  const pieces = corpus();
  const piece = (maxLen: number) => {
    let text = pieces[rng.int(pieces.length)]!;
    if (rng.next() < 0.15) text += ` ${OTHER_SCRIPTS[rng.int(OTHER_SCRIPTS.length)]}`;
    return text.slice(0, 40 + rng.int(maxLen));
  };
  const prompts: ChatMessage[][] = [];
  while (prompts.length < count) {
    const conversation: ChatMessage[] = rng.next() < 0.7 ? [{ role: 'system', content: piece(600) }] : [];
    conversation.push({ role: 'user', content: piece(1500) });
    let chars = conversation.reduce((s, m) => s + m.content.length, 0);
    while (chars < maxChars && prompts.length < count) {
      prompts.push([...conversation]);
      const answer: ChatMessage = { role: 'assistant', content: piece(1200) };
      const question: ChatMessage = { role: 'user', content: piece(900) };
      conversation.push(answer, question);
      chars += answer.content.length + question.content.length;
    }
  }
  return prompts;
}
