// Context fitting (stage 5) applies to the agent doors as to chat: a conversation three times a
// 1,024-token window, sent through each door, reaches the runtime fitted, with the system prompt
// and the last question kept, and each answer says what was dropped.
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../../src/core';
import { inProcessApp } from '../../helpers/app';
import { scriptUpstream } from '../../helpers/chat-script';
import { modelEntry } from './fixtures';

const turns = Array.from({ length: 20 }, (_, t) => [`question ${t} ${'word '.repeat(60)}`, `answer ${t} ${'word '.repeat(60)}`]).flat();

const post = (app: ReturnType<typeof inProcessApp>['app'], path: string, body: unknown) =>
  app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('context fitting on the agent doors', () => {
  it('fits a Responses and a Messages request like a chat request, and says so', async () => {
    const upstream = scriptUpstream(() => ({ content: 'ok' }));
    const { app } = inProcessApp({ upstream, models: [modelEntry({ contextLength: 1024 })] });
    const asRole = (i: number) => (i % 2 === 0 ? 'user' : 'assistant');
    const answers = [
      await post(app, '/v1/responses', {
        model: 'm',
        instructions: 'MARKER-7 be brief',
        input: [...turns.map((content, i) => ({ role: asRole(i), content })), { role: 'user', content: 'the last question' }],
      }),
      await post(app, '/v1/messages', {
        model: 'm',
        max_tokens: 64,
        system: 'MARKER-7 be brief',
        messages: [...turns.map((content, i) => ({ role: asRole(i), content })), { role: 'user', content: 'the last question' }],
      }),
      await post(app, '/v1/chat/completions', {
        model: 'm',
        messages: [
          { role: 'system', content: 'MARKER-7 be brief' },
          ...turns.map((content, i) => ({ role: asRole(i), content })),
          { role: 'user', content: 'the last question' },
        ],
      }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get('x-aegis-context')).toMatch(/dropped=[1-9]/);
    }
    for (const call of upstream.calls as ChatRequest[]) {
      expect(call.messages.length).toBeLessThan(turns.length);
      expect(JSON.stringify(call.messages[0])).toContain('MARKER-7');
      expect(JSON.stringify(call.messages.at(-1))).toContain('the last question');
    }
    expect(upstream.calls).toHaveLength(3);
  });
});
