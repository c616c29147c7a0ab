// Writes a consultation response into the configured folder without ever overwriting one: the
// file is created exclusively (`wx`), and a name already taken gets `-2`, `-3`, … before `.md`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { responseFileName } from './consultation';

export async function writeResponseFile(dir: string, consultationId: string, model: string, document: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const base = responseFileName(consultationId, model);
  for (let n = 1; n < 1_000; n++) {
    const name = n === 1 ? base : base.replace(/\.md$/, `-${n}.md`);
    const path = join(dir, name);
    try {
      await writeFile(path, document, { flag: 'wx' });
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`Too many responses to ${consultationId} by ${model} in ${dir}.`);
}
