export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.dev.json' }] },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // @actions/workflow-parser imports its JSON schemas without an import attribute: hand them over as modules
    '^\\.\\./(action|workflow)-v1\\.0\\.min\\.json$': '<rootDir>/__tests__/contract/workflows/$1-schema.ts'
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  // Elapsed-time bounds are asserted where an issue names them; this only keeps a loaded 2-CPU machine from failing slow e2e runs.
  testTimeout: 30000
}
