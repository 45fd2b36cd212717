/**
 * @module
 * Creating a user's private database (`_user_<username>`): its auth names
 * the device key and the user's first key, both Admin(0); its `keys` table
 * receives that first key, sealed when the user has a password.
 */
import {
  DEFAULT_ARGON2,
  bytesToBase64,
  deriveKey,
  ed25519 as defaultEd25519,
  formatPublicKey,
  randomBytes,
  type Argon2Params,
  type Ed25519,
} from '@engram/crypto'
import { Database, Permission, Table, type Engine, type Signer } from '@engram/database'
import { KeyManager } from '../keys/index.js'
import { KEYS_TABLE, userDatabaseName } from '../schema.js'
import type { KeyRow } from '../types.js'

export interface CreateUserDatabaseOptions {
  engine: Engine
  /** The instance's device key (sigkey `_device_key`): it creates and administers the database. */
  deviceSigner: Signer
  username: string
  /** When given (`''` included), the first key is sealed with a key derived from it. */
  password?: string
  /** Argon2id parameters of that derivation (default: DECISIONS 10). */
  kdf?: Argon2Params
  ed25519?: Ed25519
  /** Epoch milliseconds for the key's `createdAt`. */
  now?: number
}

export interface CreatedUserDatabase {
  userDatabaseId: string
  defaultKeyId: string
  /** Base64 16-byte salt of the key-encryption key; null without a password. */
  keySalt: string | null
  keyKdf: Argon2Params | null
}

/**
 * Creates the private database of a new user and its first (default) key.
 * The caller (the instance) stores the returned salt and parameters in the
 * user's account record; the derived key and the seed are wiped here.
 */
export async function createUserDatabase(options: CreateUserDatabaseOptions): Promise<CreatedUserDatabase> {
  const { engine, deviceSigner, username, password } = options
  const ed = options.ed25519 ?? defaultEd25519
  const kdf = password === undefined ? null : { ...(options.kdf ?? DEFAULT_ARGON2) }
  const salt = password === undefined ? undefined : randomBytes(16)
  const derived = password === undefined || !salt || !kdf ? undefined : await deriveKey(password, salt, kdf)
  const keys = new KeyManager(ed, derived)
  try {
    const seed = randomBytes(32)
    const keyId = formatPublicKey(await ed.getPublicKey(seed))
    const stored = await keys.protect(keyId, seed)
    await keys.add(keyId, seed)

    const db = await Database.create(
      engine,
      { name: userDatabaseName(username), type: 'user', description: `User database for ${username}` },
      deviceSigner,
    )
    const txn = await db.newTransaction()
    const settings = await txn.getSettingsStore()
    await settings.addKey(keyId, { pubkey: keyId, permission: Permission.admin(0) })
    const table = await txn.getStore(KEYS_TABLE, Table<KeyRow>)
    await table.insert({
      keyId,
      ...stored,
      displayName: 'Default Key',
      createdAt: options.now ?? Date.now(),
      isDefault: true,
      databaseSigKeys: {},
    })
    await txn.commit()
    return {
      userDatabaseId: db.id,
      defaultKeyId: keyId,
      keySalt: salt ? bytesToBase64(salt) : null,
      keyKdf: kdf,
    }
  } finally {
    keys.wipe()
  }
}
