export * from './version.js';
export * from './names.js';
export * from './error-codes.js';
export * from './steps.js';
export * from './messages.js';
export * from './parse.js';
export * from './traffic-stats.js';
