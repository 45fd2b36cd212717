/**
 * @module
 * Names of the device key, the system databases and the stores inside them.
 */

/** The device key's name in the backend's local key storage and in system databases' auth. */
export const DEVICE_KEY_NAME = '_device_key'
/** Backend metadata key holding the system database ids as JSON `{ instance, users, databases }`. */
export const SYSTEM_DATABASES_METADATA = 'engram.systemDatabases'
/** The instance format this code writes and reads. */
export const FORMAT_VERSION = 1

export const INSTANCE_DB = '_instance'
export const USERS_DB = '_users'
export const DATABASES_DB = '_databases'

/** DocStore in `_instance` with `{ formatVersion, devicePublicKey, createdAt, syncDatabaseId? }`. */
export const INSTANCE_STORE = 'instance'
/** Table in `_users`: user id → account record. */
export const USERS_TABLE = 'users'
/** Table in `_databases`: database id → registry record. */
export const DATABASES_TABLE = 'databases'

export const SYSTEM_DATABASES = [
  { key: 'instance', name: INSTANCE_DB, description: 'Instance configuration and management' },
  { key: 'users', name: USERS_DB, description: 'User directory database' },
  { key: 'databases', name: DATABASES_DB, description: 'Database tracking and registry' },
] as const

export type SystemKey = (typeof SYSTEM_DATABASES)[number]['key']
