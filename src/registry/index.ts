// Public surface of src/registry.
export * from './types';
export * from './catalog';
