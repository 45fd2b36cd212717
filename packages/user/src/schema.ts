/**
 * @module
 * Names inside a user's private database (`_user_<username>`).
 */

/** Table of the user's keys (`KeyRow`, one row per key). */
export const KEYS_TABLE = 'keys'
/** Table of tracked databases (`DatabasePrefsRow`, keyed by database id). */
export const DATABASES_TABLE = 'databases'
/** The auth entry name of the instance's device key (it administers every user database). */
export const DEVICE_KEY_NAME = '_device_key'

/** Name of a user's private database. */
export const userDatabaseName = (username: string): string => `_user_${username}`
