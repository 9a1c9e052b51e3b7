// cint-mock's public API: start a mock (or build its app for inject-style tests), control it from a
// test suite, and the types that go with them. Nothing else is exported.
export { buildApp, type BuildOptions, type MockApp } from './app.js';
export { startMock, type RunningMock, type StartOptions } from './server.js';
export { controlOf, ScenarioNotFoundError, type DeliveryListFilter, type MockControl, type NextDeliveryFilter, type TokenOptions } from './control.js';
export { DeliveryTimeoutError, type DeliveryAttempt, type DeliveryStatus, type DeliveryView } from './webhooks/delivery.js';
export { makeConfig, ConfigError, type Config, type ConfigInput } from './config.js';
export { operationIds, type OperationId } from './cint/operations.js';
export type { CountFilter, JournalEntry, JournalFilter } from './journal/journal.js';
export { InlineScenarioSpaceError, ScenarioDefinitionError, type ScenarioChoice, type ScenarioDefinition } from './scenarios/catalog.js';
export type { CintErrorBody, InvalidParam } from './cint/errors.js';
