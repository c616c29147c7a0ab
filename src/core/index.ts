// Public surface of src/core: errors, ports (Clock, Logger), OpenAI wire types and framing.
export * from './errors';
export * from './cancel';
export * from './clock';
export * from './logger';
export * from './openai';
export * from './exchange';
export * from './sse';
export * from './same-shape';
export * from './ids';
