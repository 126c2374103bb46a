/**
 * The real-cluster tier (`npm run test:e2e`): every scenario against real components built from
 * Go modules (test/e2e/build-components.sh). Scenarios run one at a time: each starts its own
 * control plane, and the machine has two cores.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/e2e/global-setup.ts',
  testTimeout: 240_000,
  maxWorkers: 1,
  reporters: [
    'default',
    ['jest-junit', {
      outputDirectory: 'reports', outputName: 'e2e-junit.xml', suiteName: 'real-cluster tier',
      classNameTemplate: '{filename}', titleTemplate: '{title}', addFileAttribute: 'true', includeConsoleOutput: 'true',
    }],
  ],
};
