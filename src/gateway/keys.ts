// API keys as principals: only sha256 digests are stored, and a presented key is compared with
// every stored digest in constant time, so timing reveals neither which key nor how much matched.
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Principal {
  id: string;
  name: string;
  roles: string[];
  /** True when no keys are configured and the caller is on loopback. */
  anonymous?: boolean;
}

export interface StoredKey {
  id: string;
  name: string;
  hash: string;
  roles: string[];
}

export function hashKey(secret: string): string {
  return `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

/** A new random key: `aegis-` + 32 random bytes in base64url. */
export function generateKey(): string {
  return `aegis-${randomBytes(32).toString('base64url')}`;
}

export class KeyStore {
  private readonly entries: { key: StoredKey; digest: Buffer }[];

  constructor(keys: StoredKey[]) {
    this.entries = keys.map((key) => ({ key, digest: Buffer.from(key.hash.slice('sha256:'.length), 'hex') }));
  }

  get size(): number {
    return this.entries.length;
  }

  verify(secret: string): Principal | undefined {
    // One-shot: no Hash object per request (this runs on every authenticated call).
    const digest = hash('sha256', secret, 'buffer');
    let found: StoredKey | undefined;
    for (const e of this.entries) {
      // No early exit: every stored digest is compared.
      if (timingSafeEqual(digest, e.digest) && !found) found = e.key;
    }
    return found ? { id: found.id, name: found.name, roles: found.roles } : undefined;
  }
}

/**
 * The caller when no keys are configured: the user of this machine, not an operator. Admin routes
 * need a key, the operator token, or `auth.anonymousAdmin: true`.
 */
export const anonymousPrincipal: Principal = { id: 'anonymous', name: 'local user', roles: ['local'], anonymous: true };

/** The local operator's token (cli/operator-token.ts) authenticates as this principal. */
export const operatorKeyId = 'operator';

export function operatorKeyStore(token: string): KeyStore {
  return new KeyStore([{ id: operatorKeyId, name: 'local operator', hash: hashKey(token), roles: ['local', 'admin'] }]);
}
