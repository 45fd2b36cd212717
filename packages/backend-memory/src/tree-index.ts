/**
 * @module
 * The incremental graph index now lives in `@engram/backend-api` (shared by
 * every backend that keeps one); re-exported here for this package's code.
 */
export { TreeIndex } from '@engram/backend-api'
