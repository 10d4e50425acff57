export * from './common.js';
export * from './enums.js';
export * from './inventory.js';
export * from './automation.js';
export * from './auth.js';
export * from './api.js';
export * from './render.js';
export * from './access.js';
