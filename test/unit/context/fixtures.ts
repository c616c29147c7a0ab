// Conversations for context tests, and the toy count they are measured with: four characters per
// token plus four tokens of framing per message.
import type { Message } from '../../../src/context';
import { textLength } from '../../../src/context';

export const FRAMING = 4;

export const tokensOf = (m: Message): number => FRAMING + Math.ceil(textLength(m) / 4);
export const countAll = (ms: readonly Message[]): number[] => ms.map(tokensOf);
export const sum = (ns: readonly number[]): number => ns.reduce((s, n) => s + n, 0);

export const text = (tokens: number, tag = 'x'): string => `${tag} `.repeat(Math.max(1, tokens * 2)).slice(0, tokens * 4);

export const system = (tokens = 20, tag = 'SYSTEM'): Message => ({ role: 'system', content: `${tag} ${text(tokens)}` });
export const user = (tokens = 20, tag = 'u'): Message => ({ role: 'user', content: `${tag} ${text(tokens)}` });
export const assistant = (tokens = 20, tag = 'a'): Message => ({ role: 'assistant', content: `${tag} ${text(tokens)}` });

/** An assistant message calling one tool per entry of `results` (each result that many tokens), and the results. */
export function toolTurn(id: string, results: number[]): Message[] {
  return [
    {
      role: 'assistant',
      content: null,
      tool_calls: results.map((_, k) => ({ id: `${id}-${k}`, type: 'function' as const, function: { name: 'read_file', arguments: '{"path":"a.txt"}' } })),
    },
    ...results.map((tokens, k) => ({ role: 'tool' as const, tool_call_id: `${id}-${k}`, content: text(tokens) })),
  ];
}

/** A conversation of `turns` user/assistant exchanges after a system prompt. */
export function chat(turns: number, tokens = 40): Message[] {
  const out: Message[] = [system()];
  for (let t = 0; t < turns; t++) out.push(user(tokens, `u${t}`), assistant(tokens, `a${t}`));
  out.push(user(tokens, 'last'));
  return out;
}
