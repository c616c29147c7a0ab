// Counting one model's prompts: per-text counts cached by text, so a long conversation is not
// recounted each turn; the template's framing measured once by rendering probe conversations; the
// whole prompt counted when a fit comes close to the limit; calibration from what the runtime
// reports. Everything behind the Tokenizer port.
import { Calibration, MARGINS } from './calibration';
import { IMAGE_TOKENS, messageText } from './message-text';
import { TextCounts } from './text-counts';
import { utf8Bytes, type Tokenizer } from './tokenizer';
import type { CountKind, Message } from './types';

/** What a chat template adds around the messages, in tokens. */
export interface TemplateProfile {
  /** Around each message (role markers, separators). */
  framing: number;
  /** Once per prompt: BOS, a default system prompt, the generation prompt. */
  fixed: number;
  /**
   * The same when the conversation opens with a system message: templates such as SmolLM2's add a
   * default system prompt only when there is none.
   */
  systemFixed: number;
  /** Whether tool definitions reach the prompt at all (many small models' templates drop them). */
  rendersTools: boolean;
  /** Instructions the template puts around tool definitions. */
  toolsPreamble: number;
}

/** ChatML-like framing, for templates nobody can render: calibration corrects it per model. */
export const DEFAULT_PROFILE: TemplateProfile = { framing: 6, fixed: 12, systemFixed: 12, rendersTools: true, toolsPreamble: 48 };

export interface PromptCounts {
  /** Tokens of each message, framing included, corrected by calibration. */
  perMessage: number[];
  /** Tokens outside the messages: template, tool definitions. */
  fixed: number;
  /** Framing per message, corrected. */
  framing: number;
  total: number;
  kind: CountKind;
}

export interface PromptCounterOptions {
  /** Texts whose counts are remembered. */
  cacheEntries?: number;
}

const opensWithSystem = (messages: readonly Message[]): boolean => messages[0]?.role === 'system' || messages[0]?.role === 'developer';

/** Counts before a template that could not be rendered is tried again. */
const PROFILE_RETRY_COUNTS = 16;

const PROBE_TOOL = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather for a city.', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

export class PromptCounter {
  readonly calibration: Calibration;
  private readonly texts: TextCounts;
  private profile: TemplateProfile = DEFAULT_PROFILE;
  private profiled: Promise<void> | undefined;
  /** Counts since the template could not be measured (0: measured, or never tried). */
  private unmeasured = 0;

  constructor(
    readonly tokenizer: Tokenizer,
    { cacheEntries = 20_000 }: PromptCounterOptions = {},
  ) {
    this.calibration = new Calibration(MARGINS[tokenizer.kind]);
    this.texts = new TextCounts(cacheEntries);
  }

  get kind(): CountKind {
    return this.tokenizer.kind;
  }

  templateProfile(): TemplateProfile {
    return this.profile;
  }

  /** Counts from the cache alone; undefined when a text was never counted. */
  cached(messages: readonly Message[], tools: readonly unknown[] | undefined): PromptCounts | undefined {
    const raw: number[] = [];
    for (const m of messages) {
      // Most messages are a plain string: no object built for them on this path.
      let text: string;
      let images = 0;
      if (typeof m.content === 'string' && !m.tool_calls && !m.name) text = m.content;
      else ({ text, images } = messageText(m));
      const n = this.texts.get(text);
      if (n === undefined) return undefined;
      raw.push(n + images * IMAGE_TOKENS);
    }
    const toolTokens = this.toolTokens(tools);
    if (toolTokens === undefined) return undefined;
    return this.assemble(raw, toolTokens, opensWithSystem(messages));
  }

  /** Counts every message, asking the tokenizer only for texts not counted before. */
  async count(messages: readonly Message[], tools: readonly unknown[] | undefined): Promise<PromptCounts> {
    await this.ensureProfile();
    const texts = messages.map(messageText);
    const toolsJson = tools && tools.length > 0 ? JSON.stringify(tools) : undefined;
    const missing = [...new Set([...texts.map((t) => t.text), ...(toolsJson ? [toolsJson] : [])].filter((t) => !this.texts.has(t)))];
    // Counts of this call are read from here: a text may push another out of the cache meanwhile.
    const fresh = new Map<string, number>();
    if (missing.length > 0) {
      const counts = await this.tokenizer.countTexts(missing);
      for (let i = 0; i < missing.length; i++) {
        fresh.set(missing[i]!, counts[i]!);
        this.texts.set(missing[i]!, counts[i]!);
      }
    }
    const tokensOf = (text: string) => fresh.get(text) ?? this.texts.get(text) ?? 0;
    const toolTokens = !toolsJson || !this.profile.rendersTools ? 0 : tokensOf(toolsJson) + this.profile.toolsPreamble;
    return this.assemble(
      texts.map((t) => tokensOf(t.text) + t.images * IMAGE_TOKENS),
      toolTokens,
      opensWithSystem(messages),
    );
  }

  /** The whole prompt counted as the runtime builds it, corrected; undefined when the template is unknown. */
  async whole(messages: readonly Message[], tools: readonly unknown[] | undefined): Promise<number | undefined> {
    if (!this.tokenizer.countPrompt) return undefined;
    const images = messages.reduce((s, m) => s + messageText(m).images, 0);
    // A template that cannot render this conversation (some refuse role orders) leaves the sum of parts.
    const n = await this.tokenizer.countPrompt(messages, tools).catch((): undefined => undefined);
    return n === undefined ? undefined : this.calibration.correct(n + images * IMAGE_TOKENS);
  }

  /**
   * Without counting, from byte lengths alone: a bound the prompt cannot exceed (no vocabulary
   * makes more tokens than UTF-8 bytes), so a prompt under the budget by this bound needs no
   * counting, and a rough estimate (3.6 bytes per token) to report for it.
   */
  quick(messages: readonly Message[], tools: readonly unknown[] | undefined): { bound: number; estimate: number } {
    const framing = Math.max(this.profile.framing, DEFAULT_PROFILE.framing);
    const fixed = Math.max(this.profile.fixed, this.profile.systemFixed, DEFAULT_PROFILE.fixed);
    let bytes = 0;
    let images = 0;
    for (const m of messages) {
      if (typeof m.content === 'string' && !m.tool_calls && !m.name) {
        bytes += utf8Bytes(m.content);
        continue;
      }
      const t = messageText(m);
      bytes += utf8Bytes(t.text);
      images += t.images;
    }
    if (tools && tools.length > 0) bytes += utf8Bytes(JSON.stringify(tools)) + 1024;
    const other = fixed + images * IMAGE_TOKENS + messages.length * framing;
    return {
      // Not calibrated: the bound holds for any vocabulary, and a ratio learned from estimates could only loosen it.
      bound: 2 * fixed + 32 + bytes + images * IMAGE_TOKENS + messages.length * (framing + 2),
      // Corrected like every count: calibration observes it against the runtime's report.
      estimate: this.calibration.correct(Math.ceil(other + bytes / 3.6)),
    };
  }

  private toolTokens(tools: readonly unknown[] | undefined): number | undefined {
    if (!tools || tools.length === 0 || !this.profile.rendersTools) return 0;
    const n = this.texts.get(JSON.stringify(tools));
    return n === undefined ? undefined : n + this.profile.toolsPreamble;
  }

  private assemble(raw: readonly number[], toolTokens: number, opensWithSystem: boolean): PromptCounts {
    const c = this.calibration;
    const framing = c.correct(this.profile.framing);
    const perMessage = raw.map((n) => c.correct(n + this.profile.framing));
    const fixed = c.correct((opensWithSystem ? this.profile.systemFixed : this.profile.fixed) + toolTokens);
    let total = fixed;
    for (const n of perMessage) total += n;
    return { perMessage, fixed, framing, total, kind: this.tokenizer.kind };
  }

  /**
   * Measures the template once by rendering probe conversations; the default profile until then.
   * A template that could not be rendered (a runtime that renders only loaded models) is tried
   * again every few counts.
   */
  private ensureProfile(): Promise<void> {
    if (this.unmeasured > 0 && ++this.unmeasured > PROFILE_RETRY_COUNTS) {
      this.unmeasured = 0;
      this.profiled = undefined;
    }
    this.profiled ??= this.measureProfile().then(
      (p) => {
        if (p) this.profile = p;
        else if (this.tokenizer.countPrompt) this.unmeasured = 1;
      },
      () => {},
    );
    return this.profiled;
  }

  private async measureProfile(): Promise<TemplateProfile | undefined> {
    const { countPrompt } = this.tokenizer;
    if (!countPrompt) return undefined;
    const tokenizer = this.tokenizer;
    const a: Message[] = [{ role: 'user', content: 'Hello there' }];
    const b: Message[] = [...a, { role: 'assistant', content: 'Hi, how can I help?' }, { role: 'user', content: 'Tell me a joke' }];
    const s: Message[] = [{ role: 'system', content: 'Be brief.' }, ...a];
    const [pa, pb, ps, pt, texts] = await Promise.all([
      countPrompt.call(tokenizer, a, undefined),
      countPrompt.call(tokenizer, b, undefined),
      countPrompt.call(tokenizer, s, undefined).catch(() => undefined),
      countPrompt.call(tokenizer, a, [PROBE_TOOL]).catch(() => undefined),
      tokenizer.countTexts(['Hello there', 'Hi, how can I help?', 'Tell me a joke', 'Be brief.', JSON.stringify([PROBE_TOOL])]),
    ]);
    if (pa === undefined || pb === undefined) return undefined;
    const [t1 = 0, t2 = 0, t3 = 0, tSystem = 0, tTool = 0] = texts;
    const framing = Math.max(0, Math.ceil((pb - pa - t2 - t3) / 2));
    const fixed = Math.max(0, pa - t1 - framing);
    // A template that folds the system message into the first user turn (Gemma's) has less framing for it.
    const systemFixed = ps === undefined ? fixed : Math.max(0, ps - tSystem - t1 - 2 * framing);
    const extra = pt === undefined ? 0 : pt - pa;
    return { framing, fixed, systemFixed, rendersTools: extra > 0, toolsPreamble: Math.max(0, extra - tTool) };
  }
}
