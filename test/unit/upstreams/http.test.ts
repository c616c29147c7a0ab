import { describe, expect, it } from 'vitest';
import { statusError } from '../../../src/upstreams/http';
import { retryAfterSeconds } from '../../../src/upstreams/retry-after';

describe('upstream status mapping', () => {
  it("keeps the upstream's Retry-After on 429 and 503", () => {
    const limited = statusError('lm', 429, '{"error":{"message":"slow down"}}', '17');
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 17 });
    expect(limited.headers()).toEqual({ 'retry-after': '17' });
    expect(statusError('lm', 503, '{"error":"loading"}', '30')).toMatchObject({ status: 503, code: 'upstream_unavailable', retryAfter: 30 });
  });

  it('falls back to one second when the upstream sends no Retry-After', () => {
    expect(statusError('lm', 429, '').headers()).toEqual({ 'retry-after': '1' });
    expect(statusError('lm', 503, '', 'soon').headers()).toEqual({ 'retry-after': '1' });
  });

  it('answers an upstream 401 or 403 as a 502 gateway failure, without the upstream message', () => {
    for (const status of [401, 403]) {
      const e = statusError('lm', status, '{"error":{"message":"Incorrect API key provided: sk-abc***xyz"}}');
      expect(e).toMatchObject({ status: 502, code: 'upstream_auth_failed', type: 'server_error' });
      expect(e.message).toContain(String(status));
      expect(e.message).toContain('apiKey');
      expect(e.message).not.toContain('sk-abc');
    }
  });

  it('still answers other 4xx as the client request error they are', () => {
    expect(statusError('lm', 422, '{"detail":"bad field"}')).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(statusError('lm', 404, '{"error":"no such model"}')).toMatchObject({ status: 404, code: 'model_not_found' });
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds([' 5 '], now)).toBe(5);
  });

  it('turns an HTTP-date into the seconds left until it', () => {
    expect(retryAfterSeconds('Sun, 01 Mar 2026 12:00:45 GMT', now)).toBe(45);
  });

  it('answers one second for a missing, unparsable, zero or past value', () => {
    expect(retryAfterSeconds(undefined, now)).toBe(1);
    expect(retryAfterSeconds('', now)).toBe(1);
    expect(retryAfterSeconds('later', now)).toBe(1);
    expect(retryAfterSeconds('-3', now)).toBe(1);
    expect(retryAfterSeconds('0', now)).toBe(1);
    expect(retryAfterSeconds('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(1);
  });

  it('caps a very long wait at ten minutes', () => {
    expect(retryAfterSeconds('86400', now)).toBe(600);
    expect(retryAfterSeconds('Mon, 02 Mar 2026 12:00:00 GMT', now)).toBe(600);
  });
});
