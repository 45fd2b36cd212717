/**
 * @module
 * @engram/backend-indexeddb: the Engram storage backend for browsers, on
 * IndexedDB, with a cross-tab change feed (`watch`) over BroadcastChannel.
 */
export { IndexedDbBackend } from './indexeddb-backend.js'
export {
  IndexedDbUnavailableError,
  UnsupportedFormatError,
  CorruptStoreError,
  UpgradeBlockedError,
  QuotaExceededError,
  BackendClosedError,
  StorageError,
  type ClosedReason,
} from './errors.js'
