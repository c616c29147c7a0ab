// What the fault suite shares: a real gateway on a loopback port whose finished exchanges are kept
// (one per request it admitted), a free port nothing listens on, and a stream read to its end.
import { createServer } from 'node:net';
import type { ExchangeFinished } from '../../src/core';
import type { GatewayRuntimeOptions } from '../../src/cli/runtime';
import { startGateway, testKey, type TestGateway } from '../helpers/gateway';

export const headers = { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' };

export const chatBody = (model: string, stream: boolean, content = 'hi') => JSON.stringify({ model, stream, messages: [{ role: 'user', content }] });

export interface FaultGateway extends TestGateway {
  /** Every exchange the gateway finished, in the order it published them. */
  finished: ExchangeFinished[];
  chat(model: string, options?: { stream?: boolean; signal?: AbortSignal; content?: string }): Promise<Response>;
}

export async function startFaultGateway(config: Record<string, unknown>, options: Partial<GatewayRuntimeOptions> = {}): Promise<FaultGateway> {
  const finished: ExchangeFinished[] = [];
  const gw = await startGateway(config, {
    extend: () => ({ sinks: [{ exchangeFinished: (e) => void finished.push(e) }] }),
    ...options,
  });
  return {
    ...gw,
    finished,
    chat: (model, { stream = false, signal, content } = {}) =>
      fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body: chatBody(model, stream, content), signal }),
  };
}

/** A loopback port that was free a moment ago: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The `data:` payloads of an SSE body, in order (`[DONE]` kept as the string). */
export function dataEvents(text: string): string[] {
  return text
    .split('\n\n')
    .map((block) =>
      block
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n'),
    )
    .filter((d) => d !== '');
}
