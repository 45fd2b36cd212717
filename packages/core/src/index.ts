/**
 * @module
 * `@engram/core`: the `Instance` — a backend, its device key, the system
 * databases, user accounts and login, write hooks, and the slot the sync
 * package plugs into.
 */
export {
  EngramError,
  UserExistsError,
  InvalidUsernameError,
  UserNotFoundError,
  InvalidPasswordError,
  PasswordRequiredError,
  UserDisabledError,
  SystemDatabaseMissingError,
  SystemDatabaseDuplicateError,
  DeviceKeyMissingError,
  DeviceKeyMismatchError,
  UnsupportedFormatError,
  SyncUnavailableError,
} from './errors.js'
export { Instance, type InstanceOptions, type SystemDatabaseIds } from './instance.js'
export { validateUsername, MAX_USERNAME_LENGTH } from './accounts/username.js'
export type { UserRecord } from '@engram/user'
export type { DatabaseRecord, TrackedBy } from './registry/database-registry.js'
export {
  registerSyncFactory,
  registeredSyncFactory,
  unregisterSyncFactory,
  type SyncFactory,
  type SyncContext,
  type SyncModule,
  type SyncTypes,
  type InstanceSync,
} from './sync/slot.js'
export {
  DEVICE_KEY_NAME,
  SYSTEM_DATABASES_METADATA,
  FORMAT_VERSION,
  INSTANCE_DB,
  USERS_DB,
  DATABASES_DB,
} from './system/names.js'
export type { User } from '@engram/user'
