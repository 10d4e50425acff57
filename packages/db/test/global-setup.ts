export { default } from '../src/testing/vitest.js';
