// The writer thread's entry (see write-thread.ts): Aegis runs its TypeScript through tsx, and a
// thread starts without the loader its process registered, so it registers tsx here first.
import { register } from 'tsx/esm/api';

register();
await import('./write-thread-entry.ts');
