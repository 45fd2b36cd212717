/**
 * @module
 * The typed errors of @engram/database. Codes are contract (stable within a
 * major version); messages may change. Every code is listed in the README.
 */
import { EngramError } from '@engram/crypto'
import { EntryNotFoundError, InvalidEntryError } from '@engram/backend-api'

export { EngramError, EntryNotFoundError, InvalidEntryError }

/** A transaction was already committed (or is committing). */
export class TxnClosedError extends EngramError {
  constructor(message = 'the transaction is already committed') {
    super('TXN_CLOSED', message)
  }
}

/** The signer may not make this entry: unknown or revoked key, too weak a permission, a priority violation, a forged signature. */
export class UnauthorizedError extends EngramError {
  constructor(message: string) {
    super('UNAUTHORIZED', message)
  }
}

/** A store name is registered in `_index` with another store type. */
export class TypeMismatchError extends EngramError {
  readonly store: string
  readonly expected: string
  readonly actual: string
  constructor(store: string, expected: string, actual: string) {
    super('TYPE_MISMATCH', `store "${store}" is a ${actual}, not a ${expected}`)
    this.store = store
    this.expected = expected
    this.actual = actual
  }
}

/** A tip given to `newTransactionAt` is unknown, not verified, or belongs to another database. */
export class InvalidTipError extends EngramError {
  readonly tip: string
  constructor(tip: string, message = `${tip.slice(0, 80)} is not a tip of this database`) {
    super('INVALID_TIP', message)
    this.tip = tip
  }
}

/** A write on a read-only view, or a commit on a database opened without a signer. */
export class ReadOnlyError extends EngramError {
  constructor(message = 'this handle is read-only') {
    super('READ_ONLY', message)
  }
}

/** No database root with this id is stored. */
export class DatabaseNotFoundError extends EngramError {
  readonly id: string
  constructor(id: string) {
    super('DATABASE_NOT_FOUND', `database ${id.slice(0, 80)} not found`)
    this.id = id
  }
}

/** The entry exists but belongs to another database. */
export class EntryNotInDatabaseError extends EngramError {
  readonly id: string
  constructor(id: string, database: string) {
    super('ENTRY_NOT_IN_DATABASE', `entry ${id.slice(0, 80)} is not in database ${database.slice(0, 80)}`)
    this.id = id
  }
}

/** `addKey` with a name that is already taken. */
export class KeyExistsError extends EngramError {
  readonly keyName: string
  constructor(name: string) {
    super('KEY_EXISTS', `auth key "${name}" already exists`)
    this.keyName = name
  }
}

/** An auth key name that is not in `_settings.auth`. */
export class KeyNotFoundError extends EngramError {
  readonly keyName: string
  constructor(name: string) {
    super('KEY_NOT_FOUND', `auth key "${name}" not found`)
    this.keyName = name
  }
}

/** Settings that would break the database: `auth` not an object (a string, deleted), or a malformed auth key. */
export class InvalidSettingsError extends EngramError {
  constructor(message: string) {
    super('INVALID_SETTINGS', message)
  }
}

/** A store type id registered twice by different classes. */
export class StoreTypeExistsError extends EngramError {
  readonly typeId: string
  constructor(typeId: string) {
    super('STORE_TYPE_EXISTS', `store type "${typeId}" is already registered by another class`)
    this.typeId = typeId
  }
}

/** A store name the entry format cannot carry: a control character, or longer than `MAX_NAME_LENGTH`. */
export class InvalidStoreNameError extends EngramError {
  constructor(message: string) {
    super('INVALID_STORE_NAME', message)
  }
}
