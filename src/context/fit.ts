// Fitting a counted conversation into a token budget, as a pure function. The order of work, for
// every strategy that cuts:
//   1. messages larger than `maxMessageShare` of the budget (a pasted file, a long tool result) are
//      shortened head + tail, except the system prompt and the last user message;
//   2. whole blocks are dropped in the strategy's order (a remembered cut first, see window.ts),
//      down to the low-water mark when a new cut is made;
//   3. if the kept blocks alone are still too long, they are shortened, largest first;
//   4. if even that does not fit, the answer is an overflow (400 context_length_exceeded).
// System messages, the last user message and the last block are never dropped; an assistant
// message with tool calls and its results are dropped together or not at all (blocks.ts).
import { conversationBlocks, type Block } from './blocks';
import { shortenMessage } from './shorten';
import type { Message, Strategy } from './types';
import type { Cut } from './window';

export interface FitOptions {
  strategy: Strategy;
  /** Tokens the prompt may use. */
  budget: number;
  /** Tokens outside the messages: template preamble, generation prompt, tool definitions. */
  fixed: number;
  /** Template tokens around each message (role markers), for shortening. */
  framing: number;
  /** A new cut drops down to this fraction of the budget, so the next turns fit without a new one. */
  lowWaterMark: number;
  /** A message over this fraction of the budget is shortened before any turn is dropped. */
  maxMessageShare: number;
  /** The cut remembered for this conversation, tried first. */
  remembered?: Cut;
}

/** Messages [from, to) of the conversation left out (pinned messages inside are kept). */
export interface FitCut {
  from: number;
  to: number;
}

export type Fit =
  | {
      ok: true;
      messages: Message[];
      /** Count of each kept message (estimated for shortened ones). */
      counts: number[];
      /** Prompt tokens: the fixed part plus the kept messages. */
      tokens: number;
      /** The original messages left out, in order. */
      dropped: Message[];
      /** Tokens removed, by dropping and by shortening. */
      droppedTokens: number;
      shortened: number;
      /** The cut this fit made, to remember; undefined when it reused one or cut nothing. */
      cut?: FitCut;
      /** True when the remembered cut was reused as it was. */
      reused: boolean;
    }
  | { ok: false; tokens: number; budget: number };

/** A fit that fitted. */
export type Fitting = Extract<Fit, { ok: true }>;

/** The least a shortened message keeps besides its framing and the marker. */
const MIN_KEPT_TOKENS = 32;

/** Working state of one fit: the messages (some shortened), their counts, what is dropped. */
class Plan {
  readonly messages: Message[];
  readonly counts: number[];
  readonly droppedBlocks = new Set<Block>();
  readonly shortened = new Set<number>();
  total: number;
  /** The total before anything was cut. */
  readonly original: number;

  constructor(
    messages: readonly Message[],
    counts: readonly number[],
    readonly fixed: number,
    readonly framing: number,
  ) {
    this.messages = [...messages];
    this.counts = [...counts];
    this.total = fixed + counts.reduce((s, c) => s + c, 0);
    this.original = this.total;
  }

  shorten(i: number, target: number): boolean {
    const s = shortenMessage(this.messages[i]!, this.counts[i]!, target, this.framing);
    if (!s) return false;
    this.total -= this.counts[i]! - s.tokens;
    this.messages[i] = s.message;
    this.counts[i] = s.tokens;
    this.shortened.add(i);
    return true;
  }

  drop(b: Block): void {
    if (this.droppedBlocks.has(b)) return;
    this.droppedBlocks.add(b);
    for (let i = b.start; i < b.end; i++) this.total -= this.counts[i]!;
  }
}

/** Unpinned blocks in the order the strategy drops them. */
function dropOrder(blocks: readonly Block[], strategy: Strategy): Block[] {
  const droppable = blocks.filter((b) => !b.pinned);
  if (strategy !== 'middle-out') return droppable;
  // From the middle outward, alternating, so the dropped blocks stay one contiguous run.
  const order: Block[] = [];
  let left = Math.floor((droppable.length - 1) / 2);
  let right = left + 1;
  while (left >= 0 || right < droppable.length) {
    if (left >= 0) order.push(droppable[left--]!);
    if (right < droppable.length) order.push(droppable[right++]!);
  }
  return order;
}

const isSystem = (m: Message) => m.role === 'system' || m.role === 'developer';

/** Step 1: messages over the share cap, other than system prompts and the last user message. */
function shortenOversized(plan: Plan, blocks: readonly Block[], cap: number): void {
  for (const b of blocks) {
    for (let i = b.start; i < b.end; i++) {
      const m = plan.messages[i]!;
      const protectedMessage = isSystem(m) || (b.pinned && m.role === 'user');
      if (!protectedMessage && plan.counts[i]! > cap) plan.shorten(i, cap);
    }
  }
}

/** Step 3: the kept messages, largest first, each down to what the excess asks (never below a floor). */
function shortenKept(plan: Plan, blocks: readonly Block[], budget: number): void {
  const kept = blocks.filter((b) => !plan.droppedBlocks.has(b)).flatMap((b) => Array.from({ length: b.end - b.start }, (_, k) => b.start + k));
  kept.sort((a, b) => plan.counts[b]! - plan.counts[a]!);
  for (const i of kept) {
    if (plan.total <= budget) return;
    const floor = plan.framing + MIN_KEPT_TOKENS + 24;
    const target = Math.max(floor, plan.counts[i]! - (plan.total - budget));
    if (target < plan.counts[i]!) plan.shorten(i, target);
  }
}

function result(plan: Plan, original: readonly Message[], blocks: readonly Block[], cut: FitCut | undefined, reused: boolean): Fitting {
  const messages: Message[] = [];
  const counts: number[] = [];
  const dropped: Message[] = [];
  let shortened = 0;
  for (const b of blocks) {
    for (let i = b.start; i < b.end; i++) {
      if (plan.droppedBlocks.has(b)) {
        dropped.push(original[i]!);
      } else {
        messages.push(plan.messages[i]!);
        counts.push(plan.counts[i]!);
        if (plan.shortened.has(i)) shortened++;
      }
    }
  }
  return { ok: true, messages, counts, tokens: plan.total, dropped, droppedTokens: plan.original - plan.total, shortened, cut, reused };
}

/** The range a set of dropped blocks spans, for the window memory. */
function span(dropped: ReadonlySet<Block>): FitCut | undefined {
  if (dropped.size === 0) return undefined;
  let from = Number.POSITIVE_INFINITY;
  let to = 0;
  for (const b of dropped) {
    from = Math.min(from, b.start);
    to = Math.max(to, b.end);
  }
  return { from, to };
}

/**
 * The remembered cut applied as it is (after step 1), whatever the budget says: when the sum of
 * per-message counts says it no longer fits, the caller may count the result whole before giving
 * the cut up (sums overcount templates that fold messages together).
 */
export function fitRemembered(messages: readonly Message[], counts: readonly number[], o: FitOptions & { remembered: Cut }): Fitting {
  const plan = new Plan(messages, counts, o.fixed, o.framing);
  const blocks = conversationBlocks(messages);
  shortenOversized(plan, blocks, Math.floor(o.maxMessageShare * o.budget));
  for (const b of blocks) if (!b.pinned && b.start >= o.remembered.from && b.end <= o.remembered.to) plan.drop(b);
  return result(plan, messages, blocks, undefined, true);
}

/** Fits `messages` (with `counts`, one per message) into the budget; see the file comment. */
export function fitMessages(messages: readonly Message[], counts: readonly number[], o: FitOptions): Fit {
  const plan = new Plan(messages, counts, o.fixed, o.framing);
  if (plan.total <= o.budget) return result(plan, messages, conversationBlocks(messages), undefined, false);
  if (o.strategy === 'error') return { ok: false, tokens: plan.original, budget: o.budget };
  const blocks = conversationBlocks(messages);
  shortenOversized(plan, blocks, Math.floor(o.maxMessageShare * o.budget));
  if (plan.total <= o.budget) return result(plan, messages, blocks, undefined, false);

  const order = dropOrder(blocks, o.strategy);
  const r = o.remembered;
  if (r) {
    for (const b of order) if (b.start >= r.from && b.end <= r.to) plan.drop(b);
    if (plan.total <= o.budget) return result(plan, messages, blocks, undefined, true);
    for (const b of [...plan.droppedBlocks]) {
      plan.droppedBlocks.delete(b);
      for (let i = b.start; i < b.end; i++) plan.total += plan.counts[i]!;
    }
  }
  const lowWater = Math.floor(o.lowWaterMark * o.budget);
  for (const b of order) {
    if (plan.total <= lowWater) break;
    plan.drop(b);
  }
  shortenKept(plan, blocks, o.budget);
  if (plan.total > o.budget) return { ok: false, tokens: plan.original, budget: o.budget };
  return result(plan, messages, blocks, span(plan.droppedBlocks), false);
}
