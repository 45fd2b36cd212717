/**
 * @module
 * `@engram/backend-api/conformance`: the test suite every backend runs
 * against itself with one call, plus the fixture factories it uses.
 */
export { backendConformance, type ConformanceOptions } from './suite.js'
export { makeEntry, makeRoot, randomDag, type Fixture, type StoreSpec } from './fixtures.js'
