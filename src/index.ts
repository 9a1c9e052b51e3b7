// cint-mock's public API: start a mock, build the app for inject-style tests, and their types.
export { buildApp, type BuildOptions, type MockApp } from './app.js';
export { startMock, type RunningMock, type StartOptions } from './server.js';
export { makeConfig, ConfigError, type Config, type ConfigInput } from './config.js';
export { operationIds, type OperationId } from './cint/operations.js';
export type { CintErrorBody, InvalidParam } from './cint/errors.js';
