// Public surface of src/config.
export * from './schema';
export * from './load';
export * from './watch';
