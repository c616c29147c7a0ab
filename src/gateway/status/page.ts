// The status page: one HTML file with its script and style inline (no build step, nothing fetched
// from elsewhere), served with a Content-Security-Policy that allows exactly those two blocks.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface StatusPage {
  html: string;
  headers: Record<string, string>;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The inline blocks of `tag` in `html`, as CSP hash sources. */
function inlineHashes(html: string, tag: 'script' | 'style'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => sha256(m[1]!));
}

export function statusPage(html: string): StatusPage {
  const csp = [
    "default-src 'none'",
    `script-src ${inlineHashes(html, 'script').join(' ')}`,
    `style-src ${inlineHashes(html, 'style').join(' ')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
  };
}

let loaded: StatusPage | undefined;

/** page.html next to this file, read once (a URL, so the path is right on Windows too). */
export function loadStatusPage(): StatusPage {
  loaded ??= statusPage(readFileSync(new URL('./page.html', import.meta.url), 'utf8'));
  return loaded;
}
