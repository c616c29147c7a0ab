// The local tokenizer loader for context fitting: a GGUF header read by src/registry, turned into
// a tokenizer by src/context. One load per file and runtime, shared by every model served from it.
import { createLocalTokenizer } from '../context';
import type { LocalTokenizerLoader } from '../gateway';
import { readGgufHeader } from '../registry';

export function ggufTokenizerLoader(): LocalTokenizerLoader {
  const loaded = new Map<string, ReturnType<LocalTokenizerLoader>>();
  return (path, runtime = 'llama.cpp') => {
    const key = `${runtime}\0${path}`;
    let p = loaded.get(key);
    if (!p) {
      p = readGgufHeader(path).then((h) => createLocalTokenizer(h.metadata, runtime));
      // A file that could not be read may appear later (a model being pulled): not remembered.
      p.catch(() => loaded.delete(key));
      loaded.set(key, p);
    }
    return p;
  };
}
