/**
 * @module
 * `@engram/user`: the `User` session and what a user owns — the private
 * database `_user_<username>` with its `keys` table (private keys, sealed
 * with a password-derived key for password users) and `databases` table
 * (tracked databases and their sync settings).
 *
 * Sessions are opened by `@engram/core` (`instance.loginUser`), which
 * implements {@link UserHost}.
 */
export {
  EngramError,
  SessionClosedError,
  KeyNotFoundError,
  NoKeyForDatabaseError,
  DatabaseNotFoundError,
  NoSigKeyFoundError,
  NoKeysAvailableError,
  CorruptKeyError,
} from './errors.js'
export type {
  SyncSettings,
  KeyInfo,
  TrackedDatabase,
  TrackOptions,
  UserRecord,
  KeyEncryption,
  KeyRow,
  DatabasePrefsRow,
} from './types.js'
export type { UserHost, RegisteredDatabase, TrackingChange } from './host.js'
export { KEYS_TABLE, DATABASES_TABLE, DEVICE_KEY_NAME, userDatabaseName } from './schema.js'
export { createUserDatabase, type CreateUserDatabaseOptions, type CreatedUserDatabase } from './account/create.js'
export { User } from './session/user.js'
export { openUserSession } from './session/open.js'
