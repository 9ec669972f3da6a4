// Lint with the project's layer rules: folders say where code may run and what it may import.
// From the bottom up: contract <- native-workers <- core <- transport <- shell, server, cli.
//   contract        imports nothing but zod
//   native-workers  never main/core (types both need live in main/contract), electron or renderer
//   core            never electron, renderer, transport, shell, server or cli
//   renderer        the contract (types, and values such as its zod schemas), nothing else from main/
//   production code never test/ (tests beside the code and the bench commands may)
// Import cycles, which no per-file rule can see, are checked by scripts/check-cycles.mjs (npm run lint).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];
// `group` patterns follow .gitignore syntax, in which a leading # starts a comment: a group entry
// such as '#core/*' matches nothing, silently. The package.json subpath imports need a regex.
const subpath = (...names) => `^#(${names.join('|')})/`;
const electron = { group: ['electron', 'electron/*'], message: 'Only main/shell may import electron.' };
const renderer = { group: ['**/renderer/**'], message: 'The renderer is a separate layer.' };
const aboveCoreMessage = 'The core sits below transports, shell, server and cli.';
const aboveCore = [
  { group: ['**/transport/**', '**/shell/**', '**/server/**', '**/cli/**'], message: aboveCoreMessage },
  { regex: subpath('transport'), message: aboveCoreMessage },
];
const coreMessage = 'native-workers sit below the core: move the types both need into main/contract.';
const belowCore = [
  electron,
  renderer,
  ...aboveCore,
  { group: ['**/main/core/**'], message: coreMessage },
  { regex: subpath('core'), message: coreMessage },
];
// Test peers and helpers live in test/; production code does not ship them. Tests beside the code
// and the benchmark commands (which measure against the same test peers) may import them.
const testSupport = { group: ['**/test/**'], message: 'Production code does not import test support (test/).' };
const besideTests = ['**/*.test.ts', 'main/cli/command/bench-*.ts'];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', 'test-results/**', 'playwright-report/**', '**/*.d.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
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
    // A test beside the contract imports vitest; what ships imports only zod.
    ignores: besideTests,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^(?!zod$|\\./).*', message: 'The contract imports nothing but zod and its own files.' }],
        },
      ],
    },
  },
  {
    files: ['main/contract/defaults.ts', 'main/contract/heat-source.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '.*',
              allowTypeImports: true,
              message: 'The renderer takes values from this file: it imports nothing at run time.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/core/**'],
    rules: { 'no-restricted-imports': restrict([electron, renderer, ...aboveCore]) },
  },
  {
    files: ['main/core/**'],
    ignores: besideTests,
    rules: { 'no-restricted-imports': restrict([electron, renderer, ...aboveCore, testSupport]) },
  },
  {
    // The core starts the workers and imports their protocol types, so a worker that imported the
    // core would make the two layers depend on each other. Each worker is also bundled on its own
    // (scripts/build-node.mjs): whatever it took from the core would ship inside it.
    files: ['native-workers/**'],
    rules: { 'no-restricted-imports': restrict(belowCore) },
  },
  {
    files: ['native-workers/**'],
    ignores: besideTests,
    rules: { 'no-restricted-imports': restrict([...belowCore, testSupport]) },
  },
  {
    files: ['main/transport/**', 'main/server/**', 'main/cli/**'],
    rules: { 'no-restricted-imports': restrict([electron, renderer]) },
  },
  {
    files: ['main/transport/**', 'main/server/**', 'main/cli/**'],
    ignores: besideTests,
    rules: { 'no-restricted-imports': restrict([electron, renderer, testSupport]) },
  },
  {
    files: ['main/shell/**'],
    ignores: besideTests,
    rules: { 'no-restricted-imports': restrict([renderer, testSupport]) },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The renderer has no Electron access; use window.hearth through api/client.ts.',
            },
          ],
          patterns: [
            {
              group: ['**/main/**', '**/native-workers/**', 'node:*'],
              message: 'The renderer imports the contract through #contract/*, and nothing else from main/.',
            },
            {
              regex: subpath('core', 'transport', 'workers'),
              message: 'The renderer imports nothing from the core, the transports or the workers.',
            },
            // The contract's values may come along (its files import only zod and each other): the
            // forms run the same zod schemas the core checks arguments with, so a refusal reads the
            // same in the page as from the core, and shows before anything is sent.
            {
              regex: '^#contract/index$',
              allowTypeImports: true,
              message:
                'Import values from the contract file that declares them (#contract/tariff), not #contract/index: the index joins every schema.',
            },
          ],
        },
      ],
    },
  },
);
