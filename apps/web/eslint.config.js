// The shared rules, plus Svelte components: their <script lang="ts"> is linted with
// type information too (through svelte-eslint-parser and the same project service).
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import shared from '@netauto/eslint-config';
import svelteConfig from './svelte.config.js';

export default tseslint.config(
  { ignores: ['build/**', '.svelte-kit/**', 'dist/**', 'artifacts/**'] },
  ...shared,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.config.js', 'vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  {
    // The app is served at the root (no paths.base): links need no resolve().
    rules: { 'svelte/no-navigation-without-resolve': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
