// Shared lint rules: type-aware, strict about promises and exhaustive switches.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/.netauto/**',
      '**/build/**',
      '**/.svelte-kit/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.config.js'] },
        tsconfigRootDir: process.cwd(),
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'Only entry points read the environment (loadConfig from @netauto/config); pass settings down.',
        },
      ],
    },
  },
  {
    // The entry points, each loading the configuration once, and tests, configs and tooling.
    files: [
      '**/src/bin/**',
      'packages/db/src/cli.ts',
      'packages/db/src/testing/**',
      // apps/web lints from its own folder, with these paths relative to it.
      'src/server/start.ts',
      'src/hooks.server.ts',
      'apps/cli/src/index.ts',
      '**/*.test.ts',
      '**/test/**',
      '**/*.config.ts',
      'tooling/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
