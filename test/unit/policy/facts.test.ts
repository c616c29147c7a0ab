// Content facts: each secret shape the policy decides on is detected, ordinary text is not, and
// hostile input cannot stall the event loop.
import { describe, expect, it } from 'vitest';
import { argumentFacts, findSecrets, hasImages, messageFacts, secretFacts } from '../../../src/policy';

// Test tokens are assembled at run time so this file itself does not look like it leaks secrets.
const aws = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
const github = ['ghp_', 'a'.repeat(36)].join('');
const slack = ['xoxb-', '1234567890-abcdefghij'].join('');
const openai = ['sk-proj-', 'Ab3dEf6hIj9kLm2nOp5qRs8t'].join('');
const jwt = ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'].join('.');
const pem = ['-----BEGIN RSA PRIVATE', ' KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----'].join('');

describe('secret facts', () => {
  it('finds nothing in ordinary text', () => {
    expect(secretFacts(['Summarise the meeting notes; ask the team about the 2024 roadmap and sk-ills.'])).toEqual({
      has_private_key: false,
      has_cloud_credential: false,
      has_api_key: false,
      has_jwt: false,
    });
  });

  it.each([
    ['a PEM private key', pem, 'has_private_key'],
    ['an OpenSSH private key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl', 'has_private_key'],
    ['an AWS access key id', `key id ${aws} here`, 'has_cloud_credential'],
    ['an AWS secret key assignment', `aws_secret_access_key = ${'A'.repeat(40)}`, 'has_cloud_credential'],
    ['a Google API key', `AIza${'b'.repeat(35)}`, 'has_cloud_credential'],
    ['a GitHub token', `token: ${github}`, 'has_api_key'],
    ['a Slack token', slack, 'has_api_key'],
    ['an OpenAI-style key', `OPENAI_API_KEY=${openai}`, 'has_api_key'],
    ['a JWT', `Authorization: Bearer ${jwt}`, 'has_jwt'],
  ] as const)('detects %s', (_label, text, fact) => {
    const facts = secretFacts([text]);
    expect(facts[fact]).toBe(true);
    expect(Object.values(facts).filter(Boolean)).toHaveLength(1);
  });

  it('reports spans that redaction can cut out', () => {
    const text = `use ${github} and ${aws}`;
    const spans = findSecrets(text).map((m) => [m.kind, text.slice(m.start, m.end)]);
    expect(spans).toEqual([
      ['aws_access_key_id', aws],
      ['github_token', github],
    ]);
  });

  it('does not stall on long hostile input', () => {
    const started = performance.now();
    secretFacts([`sk-${'-'.repeat(200_000)}`, `eyJ${'a'.repeat(200_000)}.`, 'AKIA'.repeat(50_000)]);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('message facts', () => {
  it('reads string contents, text parts and tool-call arguments', () => {
    const facts = messageFacts([
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: [{ type: 'text', text: `my key is ${aws}` }] },
      { role: 'assistant', content: null, tool_calls: [{ function: { name: 'x', arguments: JSON.stringify({ token: github }) } }] },
    ]);
    expect(facts).toMatchObject({ has_cloud_credential: true, has_api_key: true, has_private_key: false });
  });

  it('sees images in content parts', () => {
    expect(hasImages([{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url' }] }])).toBe(true);
    expect(hasImages([{ role: 'user', content: 'no image' }])).toBe(false);
  });

  it('reads nested tool arguments', () => {
    expect(argumentFacts({ files: [{ path: '/tmp/a', body: pem }] }).has_private_key).toBe(true);
    expect(argumentFacts({ n: 1, ok: true }).has_private_key).toBe(false);
  });
});
