/**
 * @module
 * @engram/backend-postgres: an Engram backend in a PostgreSQL schema (pg),
 * shared by any number of processes. Node only. Passes the whole
 * @engram/backend-api conformance suite, with the optional `watch` and
 * checkpoint capabilities.
 */
export { PostgresBackend, type PostgresBackendOptions } from './postgres-backend.js'
export {
  EngramError,
  EntryNotFoundError,
  InvalidEntryError,
  EmptyEntryListError,
  NoCommonAncestorError,
  UnsupportedFormatError,
  CorruptStoreError,
  StorageFullError,
  ConnectionLostError,
  StorageError,
  BackendClosedError,
} from '@engram/backend-api'
