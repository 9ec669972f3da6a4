// Lint with the project's layer rules: folders say where code may run and what it may import.
//   contract  imports nothing but zod
//   core      never electron, renderer, transport, shell, server or cli
//   renderer  only types from the contract, nothing from main/ at run time
//   workers   never electron or renderer
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];
const electron = { group: ['electron', 'electron/*'], message: 'Only main/shell may import electron.' };
const renderer = { group: ['**/renderer/**'], message: 'The renderer is a separate layer.' };

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', 'test-results/**', 'playwright-report/**', '**/*.d.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off', '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    // Tool configs and the vitest global setup must default-export.
    files: ['*.config.ts', '*.config.js', 'test/global-setup.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['main/contract/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!zod$|\\./).*', message: 'The contract imports nothing but zod and its own files.' }] }] },
  },
  {
    files: ['main/core/**', 'native-workers/**'],
    rules: {
      'no-restricted-imports': restrict([
        electron,
        renderer,
        { group: ['#transport/*', '**/transport/**', '**/shell/**', '**/server/**', '**/cli/**'], message: 'The core sits below transports, shell, server and cli.' },
      ]),
    },
  },
  {
    files: ['main/transport/**', 'main/server/**', 'main/cli/**'],
    rules: { 'no-restricted-imports': restrict([electron, renderer]) },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer has no Electron access; use window.hearth through api/client.ts.' }],
          patterns: [
            { group: ['#core/*', '#transport/*', '#workers/*', '**/main/**', '**/native-workers/**', 'node:*'], message: 'The renderer imports only types from the contract.' },
            { group: ['#contract/*'], allowTypeImports: true, message: 'The renderer imports only types from the contract (import type).' },
          ],
        },
      ],
    },
  },
);
