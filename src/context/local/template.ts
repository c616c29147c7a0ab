// A model's chat template (`tokenizer.chat_template`, Jinja) rendered as the runtimes render it:
// llama-cpp-python and llama.cpp's server both run the GGUF's template, with the generation prompt.
import { Template } from '@huggingface/jinja';
import type { Message } from '../types';

/** Message content as the runtimes pass it to templates: text parts joined, null as empty. */
function templateMessage(m: Message): Record<string, unknown> {
  let content: unknown = m.content;
  if (Array.isArray(m.content)) {
    const texts: string[] = [];
    for (const p of m.content) if (p.type === 'text' && typeof p.text === 'string') texts.push(p.text);
    content = texts.join('\n');
  } else if (content == null) content = '';
  return { ...m, content };
}

export class ChatTemplate {
  private readonly template: Template;

  constructor(
    source: string,
    private readonly bos: string | undefined,
    private readonly eos: string | undefined,
  ) {
    this.template = new Template(source);
  }

  render(messages: readonly Message[], tools: readonly unknown[] | undefined): string {
    const context: Record<string, unknown> = {
      messages: messages.map(templateMessage),
      add_generation_prompt: true,
      bos_token: this.bos ?? '',
      eos_token: this.eos ?? '',
    };
    if (tools && tools.length > 0) context.tools = tools;
    return this.template.render(context);
  }
}
