// The local tokenizer on small hand-made vocabularies (the real GGUF vocabularies are compared with
// llama.cpp's own tokenizer in bench/context-counting.ts).
import { describe, expect, it } from 'vitest';
import { createLocalTokenizer, vocabFromMetadata } from '../../../src/context';

const CHATML =
  "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

function bpeVocab(over: Record<string, unknown> = {}) {
  const tokens = ['<|im_start|>', '<|im_end|>', 'Ġ', 'a', 'b', 'c', 'Ċ', 'ab', 'abc', 'Ġabc', 'u', 's', 'e', 'r'];
  return {
    'tokenizer.ggml.model': 'gpt2',
    'tokenizer.ggml.pre': 'smollm',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.token_type': tokens.map((t) => (t.startsWith('<|') ? 3 : 1)),
    'tokenizer.ggml.merges': ['a b', 'ab c', 'Ġ abc'],
    'tokenizer.ggml.bos_token_id': 0,
    'tokenizer.ggml.add_bos_token': false,
    'tokenizer.chat_template': CHATML,
    ...over,
  };
}

function spmVocab() {
  const pieces: [string, number][] = [
    ['<bos>', 0],
    ['<start_of_turn>', 0],
    ['\u2581', -10],
    ['h', -10],
    ['e', -10],
    ['l', -10],
    ['o', -10],
    ['he', -5],
    ['ll', -4],
    ['llo', -3],
    ['hello', -1],
    ['\u2581hello', -0.5],
  ];
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const tokens = [...pieces.map((p) => p[0]), ...bytes];
  return {
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.scores': [...pieces.map((p) => p[1]), ...bytes.map(() => 0)],
    'tokenizer.ggml.token_type': [3, 3, ...pieces.slice(2).map(() => 1), ...bytes.map(() => 6)],
    'tokenizer.ggml.bos_token_id': 0,
    'tokenizer.ggml.add_bos_token': true,
    'tokenizer.ggml.add_space_prefix': false,
  };
}

describe('local tokenizer', () => {
  it('counts byte-level BPE by merge rank, special tokens whole', async () => {
    const t = createLocalTokenizer(bpeVocab())!;
    expect(t.kind).toBe('local');
    expect(await t.countTexts(['abc', 'abc abc', 'cab', '<|im_start|>abc', ''])).toEqual([1, 2, 2, 2, 0]);
  });

  it('renders the GGUF chat template and counts the prompt with it', async () => {
    const t = createLocalTokenizer(bpeVocab())!;
    const messages = [{ role: 'user' as const, content: 'abc' }];
    expect(t.render!(messages, undefined)).toBe('<|im_start|>user\nabc<|im_end|>\n<|im_start|>assistant\n');
    // <|im_start|> u s e r Ċ abc <|im_end|> Ċ <|im_start|> a s s i ... : counted, not guessed.
    expect(await t.countPrompt!(messages, undefined)).toBe(t.countRendered('<|im_start|>user\nabc<|im_end|>\n<|im_start|>assistant\n'));
  });

  it('counts SentencePiece by score, with byte fallback and BOS for a rendered prompt', async () => {
    const t = createLocalTokenizer(spmVocab())!;
    expect(await t.countTexts(['hello', 'he', 'hé', '<start_of_turn>hello'])).toEqual([1, 1, 3, 2]);
    expect(t.countRendered('hello')).toBe(2);
    expect(t.countRendered('<bos>hello')).toBe(2);
    expect(t.countPrompt).toBeUndefined();
  });

  it("counts as Ollama's own engine does for the models it runs itself (Gemma 3): specials by id, whole pieces first", async () => {
    // Gemma's vocabulary holds "\n" before "\n\n" and runs of spaces as user-defined tokens.
    const pieces: [string, number, number][] = [
      ['<bos>', 0, 3],
      ['\n', 0, 4],
      ['\n\n', 0, 4],
      ['  ', 0, 4],
      ['    ', 0, 4],
      ['a', -10, 1],
      ['b', -10, 1],
      ['c', -10, 1],
      ['x', -10, 1],
      ['y', -10, 1],
      ['z', -10, 1],
      ['xyz', -1, 1],
    ];
    const gemma = (architecture: string) => ({
      'general.architecture': architecture,
      'tokenizer.ggml.model': 'llama',
      'tokenizer.ggml.tokens': pieces.map((p) => p[0]),
      'tokenizer.ggml.scores': pieces.map((p) => p[1]),
      'tokenizer.ggml.token_type': pieces.map((p) => p[2]),
      'tokenizer.ggml.bos_token_id': 0,
      'tokenizer.ggml.add_bos_token': true,
      'tokenizer.ggml.add_space_prefix': false,
    });
    const text = 'a\n\nb    c';
    // llama.cpp: the longest special wins (a, \n\n, b, 4 spaces, c); no merge reaches xyz.
    expect(await createLocalTokenizer(gemma('gemma3'))!.countTexts([text, 'xyz'])).toEqual([5, 3]);
    // Ollama's engine: "\n" and "  " have the lower ids, so they split first; a piece that is a token counts 1.
    expect(await createLocalTokenizer(gemma('gemma3'), 'ollama')!.countTexts([text, 'xyz'])).toEqual([7, 1]);
    expect(createLocalTokenizer(gemma('gemma3'), 'ollama')!.countRendered(text)).toBe(8);
    // Architectures Ollama hands to llama.cpp count as llama.cpp does there too.
    expect(await createLocalTokenizer(gemma('llama'), 'ollama')!.countTexts([text, 'xyz'])).toEqual([5, 3]);
  });

  it('declines vocabularies it cannot count exactly', () => {
    expect(createLocalTokenizer({ 'tokenizer.ggml.model': 'bert', 'tokenizer.ggml.tokens': ['a'] })).toBeUndefined();
    expect(createLocalTokenizer(bpeVocab({ 'tokenizer.ggml.pre': 'some-new-pre' }))).toBeUndefined();
    expect(vocabFromMetadata({ 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.tokens': ['a'] })).toBeUndefined();
  });
});
