export { default } from '@netauto/eslint-config';
