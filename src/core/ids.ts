// Time-ordered ids (UUID version 7, RFC 9562) for everything that keys a stored row: request ids
// (the exchange record's id), audit ids, policy decision ids, stored responses. Random (v4) ids
// land anywhere in a B-tree, so once an index outgrows the page cache every insert reads and
// dirties a cold page; ids that grow with time append to the right edge instead. The first 48 bits
// are the Unix time in milliseconds, the rest random, so ids stay unguessable and unique.
import { getRandomValues } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// Entropy is drawn in blocks: one syscall per 512 ids instead of one per id.
const pool = new Uint8Array(5_120);
let used = pool.length;

function randomBytes10(): number {
  if (used + 10 > pool.length) {
    getRandomValues(pool);
    used = 0;
  }
  const at = used;
  used += 10;
  return at;
}

/** A UUIDv7 string (`xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx`) for the time `nowMs`. */
export function timeOrderedUuid(nowMs: number = Date.now()): string {
  const ms = Math.max(0, Math.floor(nowMs));
  const high = Math.floor(ms / 2 ** 16); // the top 32 of the 48 time bits
  const low = ms % 2 ** 16;
  const r = randomBytes10();
  const b = pool;
  return (
    HEX[(high >>> 24) & 0xff]! +
    HEX[(high >>> 16) & 0xff]! +
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    '-' +
    HEX[low >>> 8]! +
    HEX[low & 0xff]! +
    '-' +
    HEX[0x70 | (b[r]! & 0x0f)]! +
    HEX[b[r + 1]!]! +
    '-' +
    HEX[0x80 | (b[r + 2]! & 0x3f)]! +
    HEX[b[r + 3]!]! +
    '-' +
    HEX[b[r + 4]!]! +
    HEX[b[r + 5]!]! +
    HEX[b[r + 6]!]! +
    HEX[b[r + 7]!]! +
    HEX[b[r + 8]!]! +
    HEX[b[r + 9]!]!
  );
}
