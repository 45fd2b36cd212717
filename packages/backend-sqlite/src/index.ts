/**
 * @module
 * @engram/backend-sqlite: the embedded Engram backend, one SQLite file
 * (better-sqlite3, WAL). Node only. Passes the whole @engram/backend-api
 * conformance suite, with the optional `watch` and checkpoint capabilities.
 */
export { SqliteBackend, type SqliteBackendOptions } from './sqlite-backend.js'
export {
  EngramError,
  EntryNotFoundError,
  InvalidEntryError,
  EmptyEntryListError,
  NoCommonAncestorError,
  UnsupportedFormatError,
  CorruptStoreError,
  StorageFullError,
  StorageError,
  BackendClosedError,
} from '@engram/backend-api'
