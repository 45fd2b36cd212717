/**
 * @module
 * The shapes a user session reads and returns, and the records it stores
 * (rows of the user's private database, the account record kept by the
 * instance).
 */
import type { Argon2Params } from '@engram/crypto'

/** Per-database sync preferences of one user (see the sync package). */
export type SyncSettings = {
  syncEnabled: boolean
  syncOnCommit: boolean
  intervalSeconds?: number
  properties?: Record<string, string>
}

/** What `listKeys()` returns for each key. */
export interface KeyInfo {
  /** The formatted public key, `ed25519:<base64>`. */
  keyId: string
  publicKey: string
  displayName: string | null
  /** Epoch milliseconds. */
  createdAt: number
  isDefault: boolean
}

/** What `listTrackedDatabases()` / `databasePreferences()` return. */
export interface TrackedDatabase {
  databaseId: string
  keyId: string
  syncSettings: SyncSettings
}

/** The argument of `trackDatabase()`. */
export interface TrackOptions {
  databaseId: string
  /** Defaults to the user's default key. */
  keyId?: string
  /** Defaults to `{ syncEnabled: false, syncOnCommit: false }`. */
  syncSettings?: Partial<SyncSettings>
}

/**
 * An account as the instance stores it (a row of `_users`). `keySalt` and
 * `keyKdf` are set exactly when `passwordHash` is.
 */
export interface UserRecord {
  userId: string
  username: string
  userDatabaseId: string
  /** Argon2id PHC string, or null for a passwordless user. */
  passwordHash: string | null
  /** Base64 of the 16-byte salt the key-encryption key is derived with. */
  keySalt: string | null
  /** Argon2id parameters of that derivation. */
  keyKdf: Argon2Params | null
  /** Epoch milliseconds. */
  createdAt: number
  status: 'active' | 'disabled'
}

/** How a private key is stored in a `keys` row. */
export type KeyEncryption = { type: 'aes-256-gcm'; nonce: string } | { type: 'none' }

/** A row of the user database's `keys` table. */
export type KeyRow = {
  keyId: string
  /** Base64: the AES-256-GCM ciphertext+tag of the seed, or (type `none`) the seed itself. */
  privateKey: string
  encryption: KeyEncryption
  displayName: string | null
  createdAt: number
  isDefault: boolean
  /** databaseId → the auth entry name (sigkey) this key signs under there. */
  databaseSigKeys: Record<string, string>
}

/** A row of the user database's `databases` table, keyed by database id. */
export type DatabasePrefsRow = {
  databaseId: string
  keyId: string
  syncSettings: SyncSettings
  addedAt: number
}
