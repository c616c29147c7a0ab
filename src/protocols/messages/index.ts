// Public surface of the Anthropic Messages translation: request codec, whole-message codec, stream
// converter and the error envelope.
export * from './types';
export { messagesRequestSchema, countTokensRequestSchema, type MessagesRequest, type CountTokensRequest } from './schema';
export { fromMessagesRequest, type MessagesTranslation } from './request';
export { toMessage, anthropicError, anthropicStatus, toolInput, type MessageIdentity } from './response';
export { MessagesStreamConverter } from './stream';
