// Context fitting (stage 5) sees the agent doors' requests as chat requests and what it decides
// is what the runtime gets. The stage is a pass-through until src/context lands, so a stand-in
// that keeps only the last message shows that both doors run through it, like chat.
import { describe, expect, it, vi } from 'vitest';
import { inProcessApp } from '../../helpers/app';
import { scriptUpstream } from '../../helpers/chat-script';

vi.mock('../../../src/gateway/stages/fit-context', () => ({
  fitContext: <Req extends { messages?: unknown[] }>(_target: unknown, request: Req): Req =>
    Array.isArray(request.messages) ? { ...request, messages: request.messages.slice(-1) } : request,
}));

const post = (app: ReturnType<typeof inProcessApp>['app'], path: string, body: unknown) =>
  app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('context fitting on the agent doors', () => {
  it('fits a Responses and a Messages request like a chat request', async () => {
    const upstream = scriptUpstream(() => ({ content: 'ok' }));
    const { app } = inProcessApp({ upstream });
    const history = ['one', 'two', 'three'];
    await post(app, '/v1/responses', { model: 'm', instructions: 'sys', input: history.map((content) => ({ role: 'user', content })) });
    await post(app, '/v1/messages', { model: 'm', max_tokens: 10, system: 'sys', messages: history.map((content) => ({ role: 'user', content })) });
    await post(app, '/v1/chat/completions', { model: 'm', messages: history.map((content) => ({ role: 'user', content })) });
    expect(upstream.calls.map((c) => c.messages)).toEqual([
      [{ role: 'user', content: 'three' }],
      [{ role: 'user', content: 'three' }],
      [{ role: 'user', content: 'three' }],
    ]);
  });
});
