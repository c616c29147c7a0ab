// The vocabulary of src/tools: the tools a request declares, how a request's tools are served,
// and the calls read back out of a model's answer.
import type { ExchangeToolStats } from '../core';

/** How a model takes tools (its registry capability): the runtime's own way, Aegis' emulation, or not at all. */
export type ToolSupport = 'native' | 'emulated' | 'none';

/**
 * How one request's tools are served: passed to the runtime (`native`), rendered into the prompt and
 * parsed back from free text (`emulated`), or rendered and decoded under a JSON schema (`constrained`).
 * Also the `mode` label of the tool metrics.
 */
export type ToolMode = ExchangeToolStats['mode'];

/** OpenAI's `tool_choice`, normalised. */
export type ToolChoice = { kind: 'auto' } | { kind: 'none' } | { kind: 'required' } | { kind: 'named'; name: string };

/** A call read out of a model's answer: arguments are JSON text that validated against the tool's schema. */
export interface ParsedCall {
  id: string;
  name: string;
  arguments: string;
}

/** A call the model attempted but got wrong: kept to be retried or shown as content, never as tool_calls. */
export interface InvalidCall {
  /** The model's own text of the attempt. */
  raw: string;
  /** Why it was refused (unknown tool, arguments not JSON, schema errors). */
  reason: string;
  /** The declared tool it named, when it named one. */
  name?: string;
}

/** What a model's text turned into, in order: visible content, calls, failed attempts. */
export type TextEvent = { type: 'content'; text: string } | { type: 'call'; call: ParsedCall } | { type: 'invalid'; invalid: InvalidCall };

/** Counters one exchange reports for metrics and records. */
export type ToolStats = ExchangeToolStats;
