// Streaming sha256 of a model file (gigabytes: never read whole into memory), with progress.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export interface HashProgress {
  bytes: number;
  total: number;
}

export interface FileHash {
  sha256: string;
  sizeBytes: number;
}

export async function sha256File(path: string, onProgress?: (p: HashProgress) => void): Promise<FileHash> {
  const total = (await stat(path)).size;
  const hash = createHash('sha256');
  let bytes = 0;
  // 4 MiB reads: few syscalls, small memory, progress a few times per second on a slow disk.
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onProgress?.({ bytes, total });
  }
  return { sha256: hash.digest('hex'), sizeBytes: bytes };
}
