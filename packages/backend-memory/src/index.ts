/**
 * @module
 * @engram/backend-memory: an in-memory Engram backend with atomic snapshot
 * save/load. Passes the whole @engram/backend-api conformance suite.
 */
export { MemoryBackend } from './memory-backend.js'
export * from './errors.js'
