// Public surface of src/upstreams: the adapters and a factory from config.
import type { UpstreamConfig } from '../config';
import type { Logger } from '../core';
import { LmStudioUpstream } from './lmstudio';
import { ManagedUpstream } from './managed';
import { OllamaUpstream } from './ollama';
import { OpenAICompatibleUpstream } from './openai-compatible';
import type { Upstream } from './types';

export * from './types';
export { OpenAICompatibleUpstream, normalizeEmbeddings } from './openai-compatible';
export { OllamaUpstream } from './ollama';
export { LmStudioUpstream } from './lmstudio';
export { ManagedUpstream } from './managed';
export { expandCommand, freeLoopbackPort, splitCommand } from './managed-process';
export { isAbort } from './http';
export { assertSupportedContent, type ContentCapabilities, type MessageShapes } from './message-shapes';

export function createUpstream(config: UpstreamConfig, logger: Logger): Upstream {
  switch (config.type) {
    case 'ollama':
      return new OllamaUpstream(config);
    case 'lmstudio':
      return new LmStudioUpstream(config);
    case 'managed':
      return new ManagedUpstream(config, logger.child({ upstream: config.name }));
    case 'openai':
      return new OpenAICompatibleUpstream(config);
  }
}
