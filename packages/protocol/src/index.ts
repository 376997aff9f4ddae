export * from './query-model.js';
export * from './limits.js';
export * from './param-values.js';
export * from './messages.js';
export * from './signing.js';
export * from './frames.js';
