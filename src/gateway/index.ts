// Public surface of src/gateway.
export { createApp } from './app';
export * from './deps';
export * from './exchange';
export { KeyStore, hashKey, generateKey, anonymousPrincipal, type Principal, type StoredKey } from './keys';
