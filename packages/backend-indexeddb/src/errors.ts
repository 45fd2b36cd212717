/**
 * @module
 * The typed errors of the IndexedDB backend. Codes are contract (listed in
 * the README); messages may change.
 */
import { EngramError } from '@engram/backend-api'

/** No IndexedDB in this environment (a Node process without a polyfill, a sandboxed frame). */
export class IndexedDbUnavailableError extends EngramError {
  constructor(message = 'IndexedDB is not available in this environment') {
    super('INDEXEDDB_UNAVAILABLE', message)
  }
}

/** The database was written by a newer schema of this backend: it is left untouched. */
export class UnsupportedFormatError extends EngramError {
  readonly found: number
  readonly supported: number
  constructor(name: string, found: number, supported: number) {
    super('UNSUPPORTED_FORMAT', `IndexedDB database ${name} has schema version ${found}; this backend reads up to ${supported}`)
    this.found = found
    this.supported = supported
  }
}

/** The database is not an Engram database (stores missing), or a stored record is damaged (shape, or an entry that does not hash to its key). */
export class CorruptStoreError extends EngramError {
  constructor(name: string, reason: string, options?: { cause?: unknown }) {
    super('CORRUPT_STORE', `IndexedDB database ${name} is not a readable Engram store: ${reason}`, options)
  }
}

/** Another connection (an open tab on an older schema) keeps the upgrade from running; nothing was changed. */
export class UpgradeBlockedError extends EngramError {
  constructor(name: string) {
    super('UPGRADE_BLOCKED', `opening IndexedDB database ${name} needs a schema upgrade that another open connection (tab) blocks; close it and retry`)
  }
}

/** The browser refused the write for lack of space; the whole batch was rolled back. */
export class QuotaExceededError extends EngramError {
  constructor(name: string, options?: { cause?: unknown }) {
    super('STORAGE_QUOTA_EXCEEDED', `IndexedDB database ${name}: storage quota exceeded; nothing of this write was stored`, options)
  }
}

/** Why a backend no longer serves requests. */
export type ClosedReason = 'closed' | 'deleted' | 'upgraded' | 'lost'

/**
 * The backend is closed: by `close()`, because the database was deleted
 * under it (another tab, or the user clearing site data), because another
 * tab upgraded it to a newer schema, or because the browser dropped the
 * connection. Writes in flight when that happened either completed or
 * were rolled back whole.
 */
export class BackendClosedError extends EngramError {
  readonly reason: ClosedReason
  constructor(name: string, reason: ClosedReason) {
    const why =
      reason === 'closed'
        ? 'was closed'
        : reason === 'deleted'
          ? 'was deleted by another connection'
          : reason === 'upgraded'
            ? 'was upgraded by another connection (a newer version in another tab)'
            : 'connection was lost (the browser closed it)'
    super('BACKEND_CLOSED', `IndexedDB database ${name} ${why}`)
    this.reason = reason
  }
}

/** Any other IndexedDB failure (an I/O error, an aborted transaction); nothing of the failed write was stored. */
export class StorageError extends EngramError {
  constructor(name: string, what: string, options?: { cause?: unknown }) {
    super('STORAGE_FAILED', `IndexedDB database ${name}: ${what} failed`, options)
  }
}
