// Long, varied conversations for context tests and the context bench: an agent's history that
// grows well past a small model's window, with a system prompt whose marker must survive.

const TOPICS = [
  'gardening in a small city balcony',
  'the history of the Roman aqueducts',
  'how to tune a classical guitar',
  'repairing a bicycle puncture',
  'bird watching in early spring',
  'the rules of chess openings',
  'baking sourdough bread at home',
  'the physics of rainbows',
  'writing unit tests for a parser',
  'caring for a sourdough starter',
  'planning a long hiking trip',
  'the life cycle of stars',
  'learning to sail a dinghy',
  'keeping bees in a suburban garden',
  'restoring an old wooden chair',
  'the basics of watercolour painting',
];

export const MARKER_SYSTEM = 'Your name is ZORBLAX. You always sign your answers as ZORBLAX.';

/** Turn `i` of a conversation: a question and an answer of roughly `words` words each. */
export function turn(i: number, words = 70): [{ role: 'user'; content: string }, { role: 'assistant'; content: string }] {
  const topic = TOPICS[i % TOPICS.length]!;
  const filler = (seed: number) =>
    Array.from({ length: words }, (_, k) => ['detail', 'step', 'reason', 'example', 'note', 'idea', 'point', 'fact'][(seed + k * 7) % 8]).join(' ');
  return [
    { role: 'user', content: `Question ${i}: tell me about ${topic}. Please cover the ${filler(i)}.` },
    { role: 'assistant', content: `Answer ${i} on ${topic}: here is what matters, ${filler(i + 3)}. That is the gist of ${topic}.` },
  ];
}

export type Message = { role: 'system' | 'user' | 'assistant'; content: string };

/** A system prompt, `turns` exchanges, and a last question. */
export function longConversation(turns: number, last = 'What is your name?', system: string = MARKER_SYSTEM): Message[] {
  const ms: Message[] = [{ role: 'system', content: system }];
  for (let i = 0; i < turns; i++) ms.push(...turn(i));
  ms.push({ role: 'user', content: last });
  return ms;
}
