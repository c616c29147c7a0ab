// The local tokenizer loader for context fitting: a GGUF header read by src/registry, turned into
// a tokenizer by src/context. One load per file, shared by every model served from it.
import { createLocalTokenizer } from '../context';
import type { LocalTokenizerLoader } from '../gateway';
import { readGgufHeader } from '../registry';

export function ggufTokenizerLoader(): LocalTokenizerLoader {
  const loaded = new Map<string, ReturnType<LocalTokenizerLoader>>();
  return (path) => {
    let p = loaded.get(path);
    if (!p) {
      p = readGgufHeader(path).then((h) => createLocalTokenizer(h.metadata));
      // A file that could not be read may appear later (a model being pulled): not remembered.
      p.catch(() => loaded.delete(path));
      loaded.set(path, p);
    }
    return p;
  };
}
