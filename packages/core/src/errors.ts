/**
 * @module
 * The typed errors of `@engram/core`. Codes are stable strings (listed in
 * the README); messages may change.
 */
import { EngramError } from '@engram/crypto'

export { EngramError }

/** `createUser` with a name that is already taken. */
export class UserExistsError extends EngramError {
  constructor(username: string) {
    super('USER_EXISTS', `user ${JSON.stringify(username)} already exists`)
  }
}

/** A username that is empty, too long, has control characters or starts with `_`. */
export class InvalidUsernameError extends EngramError {
  constructor(reason: string) {
    super('INVALID_USERNAME', `invalid username: ${reason}`)
  }
}

/** No account with this username. */
export class UserNotFoundError extends EngramError {
  constructor(username: string) {
    super('USER_NOT_FOUND', `no user ${JSON.stringify(username)}`)
  }
}

/** Wrong password, or a password given for a passwordless user. */
export class InvalidPasswordError extends EngramError {
  constructor(message = 'invalid password') {
    super('INVALID_PASSWORD', message)
  }
}

/** No password given for a user that has one. */
export class PasswordRequiredError extends EngramError {
  constructor(username: string) {
    super('PASSWORD_REQUIRED', `user ${JSON.stringify(username)} needs a password`)
  }
}

/** The account is disabled (`instance.disableUser`). */
export class UserDisabledError extends EngramError {
  constructor(username: string) {
    super('USER_DISABLED', `user ${JSON.stringify(username)} is disabled`)
  }
}

/** The backend has a device key but a system database cannot be found. */
export class SystemDatabaseMissingError extends EngramError {
  readonly databaseName: string
  constructor(databaseName: string, detail = '') {
    super('SYSTEM_DATABASE_MISSING', `system database ${databaseName} is missing${detail ? `: ${detail}` : ''}`)
    this.databaseName = databaseName
  }
}

/** Two databases administered by this device claim one system name. */
export class SystemDatabaseDuplicateError extends EngramError {
  readonly databaseName: string
  constructor(databaseName: string, count: number) {
    super('SYSTEM_DATABASE_DUPLICATE', `${count} databases claim the system name ${databaseName}`)
    this.databaseName = databaseName
  }
}

/** The backend records system databases but has no device key. */
export class DeviceKeyMissingError extends EngramError {
  constructor() {
    super('DEVICE_KEY_MISSING', 'the backend holds an instance but its device key (_device_key) is gone')
  }
}

/** The stored device key is unusable, or is not the key the instance was created with. */
export class DeviceKeyMismatchError extends EngramError {
  constructor(detail: string) {
    super('DEVICE_KEY_MISMATCH', `device key does not match this instance: ${detail}`)
  }
}

/** `_instance` records a format version this code does not understand. */
export class UnsupportedFormatError extends EngramError {
  constructor(version: unknown) {
    super('UNSUPPORTED_FORMAT', `unsupported instance format version ${JSON.stringify(version)}`)
  }
}

/** `enableSync()` with no sync module registered. */
export class SyncUnavailableError extends EngramError {
  constructor() {
    super(
      'SYNC_UNAVAILABLE',
      'sync is not available: install the @engram/sync package and import it once (it registers itself), or pass InstanceOptions.sync',
    )
  }
}
