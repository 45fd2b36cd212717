/**
 * @module
 * The typed errors of `@engram/user`. Codes are stable strings (listed in the
 * README); messages may change.
 */
import { EngramError } from '@engram/crypto'

export { EngramError }

/** The session was closed by `logout()`; nothing on it works any more. */
export class SessionClosedError extends EngramError {
  constructor() {
    super('SESSION_CLOSED', 'this user session is closed (logged out)')
  }
}

/** The user has no key with this id. */
export class KeyNotFoundError extends EngramError {
  readonly keyId: string
  constructor(keyId: string) {
    super('KEY_NOT_FOUND', `this user has no key ${JSON.stringify(keyId)}`)
    this.keyId = keyId
  }
}

/** None of the user's keys can sign for the database (no mapping, and its auth accepts none of them). */
export class NoKeyForDatabaseError extends EngramError {
  readonly databaseId: string
  constructor(databaseId: string) {
    super('NO_KEY_FOR_DATABASE', `no key of this user can open database ${databaseId}`)
    this.databaseId = databaseId
  }
}

/** No database with this id (or, for `findDatabase`, none of this name that the user can open). */
export class DatabaseNotFoundError extends EngramError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('DATABASE_NOT_FOUND', `database not found: ${what}`, options)
  }
}

/** The database's auth settings have no entry this key may sign under. */
export class NoSigKeyFoundError extends EngramError {
  readonly keyId: string
  readonly databaseId: string
  constructor(keyId: string, databaseId: string) {
    super('NO_SIGKEY_FOUND', `key ${keyId} has no auth entry in database ${databaseId}`)
    this.keyId = keyId
    this.databaseId = databaseId
  }
}

/** The user's private database holds no key at all (it was damaged). */
export class NoKeysAvailableError extends EngramError {
  constructor(username: string) {
    super('NO_KEYS_AVAILABLE', `user ${JSON.stringify(username)} has no keys`)
  }
}

/**
 * A stored key could not be read: a row that does not parse, a sealed key
 * that does not open with the (verified) password, or a seed whose public
 * key is not the row's key id.
 */
export class CorruptKeyError extends EngramError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CORRUPT_KEY', message, options)
  }
}
