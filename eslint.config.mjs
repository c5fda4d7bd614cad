import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Test runner and property-test imports that unit tests of the pure libraries may use. */
const TEST_ONLY_IMPORTS = ['@jest/globals', 'fast-check'];

function moduleBoundaries(testOnlyImports) {
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      depConstraints: [
        // The domain is pure: no other library, no framework, no I/O client (ADR 0001).
        {
          sourceTag: 'type:domain',
          onlyDependOnLibsWithTags: [],
          allowedExternalImports: ['ajv', 'ajv/*', 'ajv-formats', 'node:crypto', ...testOnlyImports],
        },
        { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:domain'], allowedExternalImports: ['node:crypto', ...testOnlyImports] },
        { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:adapter'] },
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:adapter'] },
        // The typed client speaks HTTP only: no other library of the workspace (STYLE.md "One way in").
        { sourceTag: 'type:client', onlyDependOnLibsWithTags: [], allowedExternalImports: ['openapi-fetch', ...testOnlyImports] },
        // The CLI reaches Countersign through the typed client only (STYLE.md "One way in"); see the validate exception below.
        { sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['type:client'] },
        { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:adapter', 'type:app', 'type:client', 'type:cli'] },
      ],
    },
  ];
}

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '.nx/**', '.countersign/**', 'tmp/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@nx/enforce-module-boundaries': moduleBoundaries([]),
    },
  },
  {
    // Clock and randomness arrive with the command (STYLE.md): no ambient time or ids in the domain.
    files: ['libs/domain/src/**/*.ts', 'libs/contracts/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pass the clock in with the command.' },
        { object: 'Math', property: 'random', message: 'Pass ids and randomness in with the command.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pass the clock in with the command.' },
      ],
    },
  },
  {
    // The one exception to the CLI's boundary: `countersign validate` checks contract modules
    // offline, so it loads them the way the server does, through @countersign/runtime/contracts
    // (the contract loader alone, imported lazily). Nothing else of the CLI may import the runtime.
    files: ['apps/cli/src/commands/validate.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: ['@countersign/runtime/contracts'], depConstraints: [{ sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['type:client'] }] },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test-e2e/**/*.ts', 'tools/**/*.mjs', 'tools/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(TEST_ONLY_IMPORTS) },
  },
];
