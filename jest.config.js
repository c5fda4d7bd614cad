/**
 * One Jest run covers unit (`*.spec.ts`), PostgreSQL (`*.int.spec.ts`) and black-box
 * (`test-e2e/*.e2e.spec.ts`) tests. Jest runs in native ESM mode because NestJS 12 is ESM-only.
 * The global setup starts one embedded PostgreSQL server (or uses DATABASE_URL); every test
 * file creates its own database on it.
 */
const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

export default {
  testEnvironment: 'node',
  cacheDirectory: '<rootDir>/.jest-cache',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swcTransform },
  moduleNameMapper: {
    '^@countersign/(api|worker|cli)$': '<rootDir>/apps/$1/src/index.ts',
    '^@countersign/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^@countersign/([a-z-]+)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
    // Second entries of a library (`@countersign/runtime/contracts`), like its test kit.
    '^@countersign/([a-z-]+)/([a-z-]+)$': '<rootDir>/libs/$1/src/$2/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/libs/**/src/**/*.spec.ts', '<rootDir>/apps/**/src/**/*.spec.ts', '<rootDir>/test-e2e/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/tools/testing/global-setup.mjs',
  globalTeardown: '<rootDir>/tools/testing/global-teardown.mjs',
  // Generous for a loaded machine; waits inside tests have their own deadlines with clearer messages (PATIENT_WAIT_MS).
  testTimeout: 180_000,
  maxWorkers: 2,
};
