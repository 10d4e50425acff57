export { default } from '@netauto/db/testing/vitest';
