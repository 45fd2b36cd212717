/**
 * @module
 * Opening a session for an account whose password the instance has already
 * checked: one Argon2id derivation (DECISIONS 11); every key opens with that
 * one derived key (the default key now, the others on first use). Any
 * failure wipes what was decrypted so far.
 */
import { base64ToBytes, deriveKey, ed25519, wipe } from '@engram/crypto'
import { Database, Table } from '@engram/database'
import { CorruptKeyError, NoKeysAvailableError } from '../errors.js'
import type { UserHost } from '../host.js'
import { KeyManager, defaultKeyRow, parseKeyRow } from '../keys/index.js'
import { KEYS_TABLE } from '../schema.js'
import type { KeyRow, UserRecord } from '../types.js'
import { User } from './user.js'

/**
 * Opens `record`'s session. The caller has verified `password` against
 * `record.passwordHash` (core does, before calling this).
 * @throws CORRUPT_KEY when a stored key does not open or does not match its id;
 *   NO_KEYS_AVAILABLE when the user database holds no key.
 */
export async function openUserSession(host: UserHost, record: UserRecord, password?: string): Promise<User> {
  let derived: Uint8Array | undefined
  if (password !== undefined && record.passwordHash !== null) {
    if (record.keySalt === null || record.keyKdf === null)
      throw new CorruptKeyError(`user ${JSON.stringify(record.username)} has a password but no key salt`)
    let salt: Uint8Array
    try {
      salt = base64ToBytes(record.keySalt)
    } catch (cause) {
      throw new CorruptKeyError(`user ${JSON.stringify(record.username)} has a bad key salt`, { cause })
    }
    try {
      derived = await deriveKey(password, salt, record.keyKdf)
    } catch (cause) {
      // bad stored parameters or salt length: the record is damaged, not the caller's argument
      throw new CorruptKeyError(`user ${JSON.stringify(record.username)} has unusable key-derivation parameters`, { cause })
    }
  }
  const keys = new KeyManager(host.ed25519 ?? ed25519, derived)
  try {
    const readOnly = await Database.open(host.engine, record.userDatabaseId)
    const view = await readOnly.getStore(KEYS_TABLE, Table<KeyRow>)
    const rows = (await view.entries()).map(([, value]) => parseKeyRow(value))
    for (const row of rows) keys.register(row)
    const def = defaultKeyRow(rows)
    if (!def) throw new NoKeysAvailableError(record.username)
    // Opening the default key now proves the derived key right; the others open on first use.
    await keys.seed(def.keyId)
    const key = keys.signingKey(def.keyId)
    if (!key) throw new NoKeysAvailableError(record.username)
    const userDatabase = readOnly.withSigner({ key, sigKey: def.keyId })
    return new User({ host, record, userDatabase, keys })
  } catch (err) {
    keys.wipe()
    wipe(derived)
    throw err
  }
}
