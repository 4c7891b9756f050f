// The test kit's public surface: fakes, contract suites, harnesses and fixtures (filled in by the move
// out of packages/core/src/testing).

export * from './fixtures/recording-logger';
export * from './fixtures/sqs-record';
