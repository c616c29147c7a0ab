// Public surface of src/gateway.
export { createApp } from './app';
export { gatewayEmbedder, embedderPrincipal } from './mcp-endpoint/embed';
export * from './deps';
export { chatDoor, completionsDoor, embeddingsDoor } from './routes/inference';
export type { ClientRequest, FrontDoor, SchemaDoor } from './exchange/front-door';
export { KeyStore, hashKey, generateKey, anonymousPrincipal, operatorKeyStore, type Principal, type StoredKey } from './keys';
export { isLoopbackAddress, isLoopbackHost } from './middleware/access';
export { MemoryResponseStore, type ResponseStore, type StoredResponse, type MemoryResponseStoreOptions } from './agents/response-store';
export { ContextService, type ContextServiceOptions } from './context/service';
export type { LocalTokenizerLoader } from './context/tokenizers';
export type { RecentError, StatusDocument, StatusModel } from './status';
