/**
 * @module
 * The typed errors of the storage layer. Codes are contract (stable within a
 * major version); messages may change. Every code is listed in the README.
 */
import { EngramError } from '@engram/crypto'

export { EngramError }

/** No entry with this id is stored (or, for graph queries, none that is verified and in the named database). */
export class EntryNotFoundError extends EngramError {
  readonly id: string
  constructor(id: string, message = `entry ${id} not found`) {
    super('ENTRY_NOT_FOUND', message)
    this.id = id
  }
}

/** An entry is malformed (shape or data-layer §1.6 rules) or does not hash to the id it was given. */
export class InvalidEntryError extends EngramError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ENTRY', message, options)
  }
}

/** A query that needs at least one id (e.g. `findLca`) got none. */
export class EmptyEntryListError extends EngramError {
  constructor(message = 'the list of entry ids is empty') {
    super('EMPTY_ENTRY_LIST', message)
  }
}

/** The given entries share no ancestor in the store's DAG. */
export class NoCommonAncestorError extends EngramError {
  constructor(message = 'the entries have no common ancestor') {
    super('NO_COMMON_ANCESTOR', message)
  }
}

/** A snapshot (or other storage file) does not exist. */
export class NotFoundError extends EngramError {
  readonly path: string
  constructor(path: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', `no snapshot at ${path}`, options)
    this.path = path
  }
}

/** A snapshot file is unreadable: bad JSON, truncated, an unknown format version, or a tampered entry. */
export class CorruptSnapshotError extends EngramError {
  readonly path: string
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('CORRUPT_SNAPSHOT', `snapshot ${path} is corrupt: ${reason}`, options)
    this.path = path
  }
}

/** Writing a snapshot failed (disk full, permissions, failed rename…); the previous snapshot is intact. */
export class SnapshotWriteError extends EngramError {
  readonly path: string
  constructor(path: string, options?: { cause?: unknown }) {
    super('SNAPSHOT_WRITE_FAILED', `could not write snapshot ${path}`, options)
    this.path = path
  }
}

/** Reading a snapshot failed for a reason other than absence (permissions, I/O error). */
export class SnapshotReadError extends EngramError {
  readonly path: string
  constructor(path: string, options?: { cause?: unknown }) {
    super('SNAPSHOT_READ_FAILED', `could not read snapshot ${path}`, options)
    this.path = path
  }
}

/** A storage file or schema was written by a newer version of Engram than this one; it is left untouched. */
export class UnsupportedFormatError extends EngramError {
  readonly found: number
  readonly supported: number
  constructor(where: string, found: number, supported: number) {
    super('UNSUPPORTED_FORMAT', `${where} has schema version ${found}; this version of Engram reads up to ${supported}`)
    this.found = found
    this.supported = supported
  }
}

/** A storage file or schema is not an Engram store (another program's file, garbage), or a stored record is damaged. */
export class CorruptStoreError extends EngramError {
  constructor(where: string, reason: string, options?: { cause?: unknown }) {
    super('CORRUPT_STORE', `${where} is not a usable Engram store: ${reason}`, options)
  }
}

/** The disk (or the configured size limit) is full: the write was rolled back whole; later writes work once there is room. */
export class StorageFullError extends EngramError {
  constructor(message = 'the storage is full; nothing of this write was stored', options?: { cause?: unknown }) {
    super('STORAGE_FULL', message, options)
  }
}

/** The connection to a database server dropped mid-call: the call's write happened whole or not at all; the next call reconnects. */
export class ConnectionLostError extends EngramError {
  constructor(message = 'the connection to the database server was lost', options?: { cause?: unknown }) {
    super('CONNECTION_LOST', message, options)
  }
}

/** Any other storage failure (I/O error, permissions, a lock held too long); nothing half-written. */
export class StorageError extends EngramError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_ERROR', message, options)
  }
}

/** A call on a backend after `close()`. */
export class BackendClosedError extends EngramError {
  constructor(message = 'the backend is closed') {
    super('BACKEND_CLOSED', message)
  }
}
