// Shared lint rules: type-aware, strict about promises and exhaustive switches.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Dependencies point one way, from the bottom of this list to the top: a workspace may
// import those above it, never those below it. The client and the CLI sit beside the
// server: they may import the api's types only. Nothing imports an app.
const LAYERS = [
  ['packages/schema', '@netauto/schema'],
  ['packages/db', '@netauto/db'],
  ['packages/observability', '@netauto/observability'],
  ['packages/device-access', '@netauto/device-access'],
  ['packages/worker', '@netauto/worker'],
  ['packages/api', '@netauto/api'],
];
const SERVER = LAYERS.map(([, name]) => name);
const APPS = ['web', '@netauto/cli'];

/** The no-restricted-imports options that refuse these packages (and their subpaths). */
function refuse(names, message = '', allowTypeImports = false) {
  const apps = {
    group: APPS.flatMap((name) => [name, `${name}/*`]),
    message: 'Nothing imports an app.',
  };
  if (names.length === 0) return { patterns: [apps] };
  return {
    patterns: [
      { group: names.flatMap((name) => [name, `${name}/*`]), message, allowTypeImports },
      apps,
    ],
  };
}

const direction = [
  {
    files: ['**/*.ts', '**/*.js', '**/*.svelte'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', refuse([])] },
  },
  ...LAYERS.map(([folder, name], i) => ({
    files: [`${folder}/**`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        refuse(
          [...SERVER.slice(i + 1), '@netauto/client'],
          `${name} may not import a package above it: dependencies point one way (schema ← db ← observability ← device-access ← worker ← api).`,
        ),
      ],
    },
  })),
  {
    // The client and the CLI carry no server code: types from the api only.
    files: ['packages/client/src/**', 'apps/cli/src/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        refuse(
          SERVER.filter((name) => name !== '@netauto/schema'),
          'The client and the CLI import only types from the server (import type).',
          true,
        ),
      ],
    },
  },
];

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
  ...direction,
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
