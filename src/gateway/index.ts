// Public surface of src/gateway.
export { createApp } from './app';
export * from './deps';
export * from './exchange';
export { KeyStore, hashKey, generateKey, anonymousPrincipal, operatorKeyStore, type Principal, type StoredKey } from './keys';
export { isLoopbackAddress, isLoopbackHost } from './middleware/access';
