// Public surface of src/protocols: the agent APIs (OpenAI Responses, Anthropic Messages) as pure
// codecs onto the internal chat exchange. No I/O: the gateway's routes wire them to the pipeline.
export * as responses from './responses';
export * as messages from './messages';
