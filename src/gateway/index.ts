// Public surface of src/gateway.
export { createApp } from './app';
export * from './deps';
export { chatDoor, completionsDoor, embeddingsDoor } from './routes/inference';
export type { ClientRequest, FrontDoor } from './exchange/front-door';
export { KeyStore, hashKey, generateKey, anonymousPrincipal, operatorKeyStore, type Principal, type StoredKey } from './keys';
export { isLoopbackAddress, isLoopbackHost } from './middleware/access';
export type { RecentError, StatusDocument, StatusModel } from './status';
