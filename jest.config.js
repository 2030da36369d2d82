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
  // Jest's default on 2 cores is one worker, which ran the files one after another (464-487 s): the
  // slow end-to-end files mostly wait on real timeouts (attempt and step deadlines), so three share
  // two cores well: 214 s and 203 s, all 908 tests passing (2026-12-08).
  maxWorkers: 3,
  // Elapsed-time bounds are asserted where an issue names them; this only keeps a loaded 2-CPU machine from failing slow e2e runs.
  testTimeout: 30000
}
