// What fitting costs on the request path when nothing must be dropped: a 100-message conversation,
// counts warm, fresh message objects per call (as each request parses its own body).
import { FakeTokenizer, fitRequest, PromptCounter, WindowMemory, type Message } from '../../src/context';
import { defaultContextConfig } from '../../src/gateway/context/fit-chat';
import { settingsFor } from '../../src/context';
import { scriptedTurn } from './window';

export interface FitCost {
  case: string;
  microsPerCall: number;
  path: string;
}

function conversation(): Message[] {
  const ms: Message[] = [{ role: 'system', content: 'You are a careful assistant.' }];
  for (let t = 0; ms.length < 99; t++) ms.push(...scriptedTurn(t, 60));
  ms.push({ role: 'user', content: 'And now?' });
  return ms;
}

async function measure(name: string, limit: number, iterations: number): Promise<FitCost> {
  const json = JSON.stringify(conversation());
  const counter = new PromptCounter(new FakeTokenizer({ kind: 'local' }));
  const windows = new WindowMemory();
  const settings = settingsFor(defaultContextConfig, undefined);
  const base = { model: 'm@1', limit: { tokens: limit, source: 'config' as const }, strategy: 'drop-oldest' as const, settings, counter, windows };
  // Warm: the first fit counts every text once.
  const first = await fitRequest({ ...base, messages: JSON.parse(json) as Message[] });
  const copies = Array.from({ length: iterations }, () => JSON.parse(json) as Message[]);
  let path = 'sync';
  const t0 = performance.now();
  for (const messages of copies) {
    const r = fitRequest({ ...base, messages });
    if (r instanceof Promise) {
      path = 'async';
      await r;
    }
  }
  const micros = ((performance.now() - t0) * 1000) / iterations;
  return { case: `${name} (${first.report.tokens} tokens, ${limit} context, counted ${first.report.counted})`, microsPerCall: micros, path };
}

export async function fitCosts(iterations: number): Promise<FitCost[]> {
  // Warm the JIT on both paths first.
  await measure('warm-up', 32_768, 2_000);
  await measure('warm-up', 8_192, 2_000);
  return [await measure('byte bound under the budget', 32_768, iterations), await measure('counts cached, under 90 % of the budget', 8_192, iterations)];
}
