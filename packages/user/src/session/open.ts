/**
 * @module
 * Opening a session: one Argon2id derivation (DECISIONS 11); every key opens
 * with that one derived key (the default key now, the others on first use).
 * A password session uses only sealed key rows, so opening the default key
 * proves the derived key right; when it does not open (CORRUPT_KEY), the
 * caller checks the PHC hash to tell a wrong password from a damaged key.
 * Any failure wipes what was decrypted so far.
 */
import { base64ToBytes, deriveKey, ed25519, wipe } from '@engram/crypto'
import { Database, Table } from '@engram/database'
import { CorruptKeyError, NoKeysAvailableError } from '../errors.js'
import type { UserHost } from '../host.js'
import { KeyManager, defaultKeyRow, isUsableRow, parseKeyRow } from '../keys/index.js'
import { KEYS_TABLE } from '../schema.js'
import type { KeyRow, UserRecord } from '../types.js'
import { User } from './user.js'

/**
 * Opens `record`'s session. The caller has checked that a password is given
 * exactly when the record has a hash; it need not check the hash first (a
 * wrong password fails here with CORRUPT_KEY, and only then is the PHC
 * check needed, as core's `loginUser` does).
 * @throws CORRUPT_KEY when the default sealed key does not open (a wrong password, or damage) or a key does not match its id;
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
    // A password session uses only sealed rows: opening the default one is then the proof of the password.
    const rows = (await view.entries()).map(([, value]) => parseKeyRow(value)).filter((row) => isUsableRow(row, keys.sealsKeys))
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
