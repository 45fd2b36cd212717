/**
 * @module
 * `User`: the session `instance.loginUser()` returns. It creates, opens and
 * finds databases with the user's keys, manages those keys and the list of
 * databases the user tracks. Everything it stores lives in the user's private
 * database (`keys` and `databases` tables); the decrypted keys live only in
 * its key manager and are wiped by `logout()`.
 */
import { ed25519, formatPublicKey, randomBytes, wipe, type SigningKey } from '@engram/crypto'
import { Database, Table, type JsonValue, type Signer } from '@engram/database'
import {
  DatabaseNotFoundError,
  KeyNotFoundError,
  NoKeyForDatabaseError,
  NoKeysAvailableError,
  NoSigKeyFoundError,
  SessionClosedError,
} from '../errors.js'
import type { UserHost } from '../host.js'
import { compareKeyRows, defaultKeyRow, isUsableRow, parseKeyRow, type KeyManager } from '../keys/index.js'
import { DATABASES_TABLE, KEYS_TABLE } from '../schema.js'
import type { DatabasePrefsRow, KeyInfo, KeyRow, TrackOptions, TrackedDatabase, UserRecord } from '../types.js'
import { assertString, creatorSigKey, isPlainObject, openReadOnly } from './helpers.js'
import { Mutex } from './mutex.js'
import { normalizeSyncSettings, readSyncSettings } from './sync-settings.js'

/** A stored key row and the table id it lives under. */
interface StoredKey {
  rowId: string
  row: KeyRow
}

/** What `openUserSession` hands to the constructor. */
export interface UserInit {
  host: UserHost
  record: UserRecord
  /** The user's private database, signing with the default key. */
  userDatabase: Database
  keys: KeyManager
}

/**
 * A logged-in user. Obtain one from `instance.loginUser()`; after
 * `logout()` every method throws `SESSION_CLOSED`.
 */
export class User {
  /** The login name. */
  readonly username: string
  /** The account id (the row id of the account in `_users`). */
  readonly userId: string
  /** Root id of the user's private database (`_user_<username>`). */
  readonly userDatabaseId: string

  readonly #host: UserHost
  readonly #db: Database
  readonly #keys: KeyManager
  readonly #lock = new Mutex()
  #closed = false

  /** @internal Sessions come from `instance.loginUser()` (which calls `openUserSession`). */
  constructor(init: UserInit) {
    this.username = init.record.username
    this.userId = init.record.userId
    this.userDatabaseId = init.record.userDatabaseId
    this.#host = init.host
    this.#db = init.userDatabase
    this.#keys = init.keys
  }

  /** Whether `logout()` has been called. */
  get isClosed(): boolean {
    return this.#closed
  }

  // ---- databases -------------------------------------------------------------

  /**
   * Creates a database signed by one of this user's keys and registers it in
   * the instance's `_databases`. Without `settings.auth` the key becomes
   * `Admin(0)` under an auth entry named by its key id; a given
   * `settings.auth` is used as is and must make the key an Admin (by an
   * entry holding its public key, or `*`), else `UNAUTHORIZED`.
   * @param settings plain object of initial settings; `settings.name` names the database.
   * @param keyId the key to create it with (default: the default key).
   * @throws KEY_NOT_FOUND for a key this user lacks; SESSION_CLOSED after logout.
   */
  async createDatabase(settings: { [key: string]: JsonValue }, keyId?: string): Promise<Database> {
    this.#check()
    if (!isPlainObject(settings)) throw new TypeError('settings must be a plain object')
    if (settings.name !== undefined && typeof settings.name !== 'string')
      throw new TypeError('settings.name must be a string')
    const stored = await this.#keyFor(keyId)
    const sigKey = creatorSigKey(settings.auth, stored.row.keyId)
    const db = await Database.create(this.#host.engine, settings, this.#signer(stored.row.keyId, sigKey))
    await this.#setMapping(stored.row.keyId, db.id, sigKey)
    await this.#host.registerDatabase({
      databaseId: db.id,
      name: typeof settings.name === 'string' ? settings.name : null,
      createdBy: this.userId,
    })
    return db
  }

  /**
   * Opens a database so that it signs with this user's key for it: the first
   * key (oldest first) mapped to it, else the first key its auth accepts
   * (strongest entry for that key; a `*` entry counts).
   * @throws DATABASE_NOT_FOUND for an unknown id; NO_KEY_FOR_DATABASE when no key can sign; SESSION_CLOSED.
   */
  async openDatabase(id: string): Promise<Database> {
    this.#check()
    assertString(id, 'id')
    const db = await openReadOnly(this.#host, id)
    const signer = await this.#signerFor(db)
    if (!signer) throw new NoKeyForDatabaseError(id)
    return db.withSigner(signer)
  }

  /**
   * The databases named `name` in the instance's registry that this user can
   * open, each signing with this user's key.
   * @throws DATABASE_NOT_FOUND when there is none; SESSION_CLOSED.
   */
  async findDatabase(name: string): Promise<Database[]> {
    this.#check()
    assertString(name, 'name')
    const found: Database[] = []
    for (const id of await this.#host.findDatabaseIds(name)) {
      let db: Database
      try {
        db = await openReadOnly(this.#host, id)
      } catch (err) {
        if (err instanceof DatabaseNotFoundError) continue
        throw err
      }
      const signer = await this.#signerFor(db)
      if (signer) found.push(db.withSigner(signer))
    }
    if (found.length === 0) throw new DatabaseNotFoundError(JSON.stringify(name))
    return found
  }

  // ---- keys --------------------------------------------------------------------

  /**
   * Generates a new key, stores it (sealed with the session's password-derived
   * key for a password user) and returns its id. It is not added to any
   * database's auth settings.
   * @throws SESSION_CLOSED.
   */
  async addPrivateKey(displayName?: string): Promise<string> {
    this.#check()
    if (displayName !== undefined) assertString(displayName, 'displayName')
    const seed = randomBytes(32)
    try {
      const keyId = formatPublicKey(await (this.#host.ed25519 ?? ed25519).getPublicKey(seed))
      const stored = await this.#keys.protect(keyId, seed)
      await this.#lock.run(async () => {
        const txn = await this.#db.newTransaction()
        const table = await txn.getStore(KEYS_TABLE, Table<KeyRow>)
        let latest = 0
        for (const [, value] of await table.entries()) {
          const createdAt = (value as { createdAt?: unknown }).createdAt
          if (typeof createdAt === 'number' && createdAt > latest) latest = createdAt
        }
        // Strictly after every existing key, so "oldest first" is the order of creation.
        const createdAt = Math.max(Date.now(), latest + 1)
        await table.insert({
          keyId,
          ...stored,
          displayName: displayName ?? null,
          createdAt,
          isDefault: false,
          databaseSigKeys: {},
        })
        await txn.commit()
      })
      await this.#keys.add(keyId, seed)
      return keyId
    } catch (err) {
      wipe(seed)
      throw err
    }
  }

  /** This user's keys, oldest first. @throws SESSION_CLOSED. */
  async listKeys(): Promise<KeyInfo[]> {
    this.#check()
    const keys = await this.#storedKeys()
    const def = defaultKeyRow(keys.map((k) => k.row))
    return keys.map(({ row }) => ({
      keyId: row.keyId,
      publicKey: row.keyId,
      displayName: row.displayName,
      createdAt: row.createdAt,
      isDefault: row.keyId === def?.keyId,
    }))
  }

  /** The default key's id (the first key marked default, else the oldest). @throws SESSION_CLOSED. */
  async getDefaultKey(): Promise<string> {
    this.#check()
    const def = defaultKeyRow((await this.#storedKeys()).map((k) => k.row))
    if (!def) throw new NoKeysAvailableError(this.username)
    return def.keyId
  }

  /**
   * The key pair: `privateKey` is a copy of the 32-byte seed (the caller may wipe it).
   * @throws KEY_NOT_FOUND; SESSION_CLOSED.
   */
  async getSigningKey(keyId: string): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
    this.#check()
    const { row } = await this.#keyFor(assertString(keyId, 'keyId'))
    const seed = await this.#keys.seed(row.keyId)
    const signer = this.#keys.signingKey(row.keyId)
    if (!seed || !signer) throw new KeyNotFoundError(keyId)
    return { publicKey: Uint8Array.from(signer.publicKey), privateKey: Uint8Array.from(seed) }
  }

  /** The key's public key, `ed25519:<base64>`. @throws KEY_NOT_FOUND; SESSION_CLOSED. */
  async getPublicKey(keyId: string): Promise<string> {
    this.#check()
    const { row } = await this.#keyFor(assertString(keyId, 'keyId'))
    return row.keyId
  }

  /**
   * Makes `keyId` sign under the auth entry `sigKey` in database `databaseId`
   * (`'*'` to sign under a wildcard entry). The entry is not checked here; a
   * wrong one fails at commit.
   * @throws KEY_NOT_FOUND; SESSION_CLOSED.
   */
  async mapKey(keyId: string, databaseId: string, sigKey: string): Promise<void> {
    this.#check()
    assertString(keyId, 'keyId')
    assertString(databaseId, 'databaseId')
    assertString(sigKey, 'sigKey')
    await this.#keyFor(keyId)
    await this.#setMapping(keyId, databaseId, sigKey)
  }

  /** The first key (oldest first) mapped to `databaseId`, or undefined. @throws SESSION_CLOSED. */
  async findKey(databaseId: string): Promise<string | undefined> {
    this.#check()
    const keys = await this.#storedKeys()
    return keys.find(({ row }) => row.databaseSigKeys[databaseId] !== undefined)?.row.keyId
  }

  /** The auth entry `keyId` signs under in `databaseId`, or undefined. @throws KEY_NOT_FOUND; SESSION_CLOSED. */
  async keyMapping(keyId: string, databaseId: string): Promise<string | undefined> {
    this.#check()
    const { row } = await this.#keyFor(assertString(keyId, 'keyId'))
    return row.databaseSigKeys[databaseId]
  }

  // ---- tracking ----------------------------------------------------------------

  /**
   * Tracks a database: maps the key (default key when omitted) to the
   * strongest auth entry the database has for it (a `*` entry maps to `*`)
   * and stores the sync settings. Tracking again updates key and settings;
   * a failed call changes nothing.
   * @throws KEY_NOT_FOUND; DATABASE_NOT_FOUND; NO_SIGKEY_FOUND; SESSION_CLOSED.
   */
  async trackDatabase(options: TrackOptions): Promise<TrackedDatabase> {
    this.#check()
    if (!isPlainObject(options)) throw new TypeError('trackDatabase: options must be an object')
    const databaseId = assertString(options.databaseId, 'databaseId')
    if (options.keyId !== undefined) assertString(options.keyId, 'keyId')
    const syncSettings = normalizeSyncSettings(options.syncSettings)
    const { rowId, row } = await this.#keyFor(options.keyId)
    const db = await openReadOnly(this.#host, databaseId)
    const match = (await db.findSigKeys(row.keyId))[0]
    if (!match) throw new NoSigKeyFoundError(row.keyId, databaseId)

    const tracked: TrackedDatabase = { databaseId, keyId: row.keyId, syncSettings }
    await this.#lock.run(async () => {
      const txn = await this.#db.newTransaction()
      const keys = await txn.getStore(KEYS_TABLE, Table<KeyRow>)
      const current = parseKeyRow(await keys.get(rowId))
      await keys.set(rowId, { ...current, databaseSigKeys: { ...current.databaseSigKeys, [databaseId]: match.sigKey } })
      const prefs = await txn.getStore(DATABASES_TABLE, Table<DatabasePrefsRow>)
      const previous = await prefs.get(databaseId)
      let addedAt = previous && typeof previous.addedAt === 'number' && Number.isFinite(previous.addedAt) ? previous.addedAt : undefined
      if (addedAt === undefined) {
        // Strictly after every tracked database, so the list's order is the order of tracking.
        let latest = 0
        for (const [, value] of await prefs.entries()) if (typeof value.addedAt === 'number' && value.addedAt > latest) latest = value.addedAt
        addedAt = Math.max(Date.now(), latest + 1)
      }
      await prefs.set(databaseId, { ...tracked, addedAt })
      await txn.commit()
    })
    await this.#host.setTracking({
      databaseId,
      name: (await db.name()) ?? null,
      userId: this.userId,
      username: this.username,
      syncSettings,
    })
    return { ...tracked, syncSettings: { ...syncSettings } }
  }

  /** Stops tracking a database (key mappings stay). Not tracked → no-op. @throws SESSION_CLOSED. */
  async untrackDatabase(databaseId: string): Promise<void> {
    this.#check()
    assertString(databaseId, 'databaseId')
    const removed = await this.#lock.run(async () => {
      const txn = await this.#db.newTransaction()
      const prefs = await txn.getStore(DATABASES_TABLE, Table<DatabasePrefsRow>)
      if ((await prefs.get(databaseId)) === undefined) return false
      await prefs.delete(databaseId)
      await txn.commit()
      return true
    })
    if (removed)
      await this.#host.setTracking({
        databaseId,
        name: null,
        userId: this.userId,
        username: this.username,
        syncSettings: null,
      })
  }

  /** Tracked databases, in the order they were first tracked. @throws SESSION_CLOSED. */
  async listTrackedDatabases(): Promise<TrackedDatabase[]> {
    this.#check()
    const view = await this.#db.getStore(DATABASES_TABLE, Table<DatabasePrefsRow>)
    const rows = (await view.entries())
      .map(([id, value]) => ({ id, value }))
      .filter(({ id, value }) => isPlainObject(value) && typeof value.keyId === 'string' && value.databaseId === id)
      .sort((a, b) => a.value.addedAt - b.value.addedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    return rows.map(({ id, value }) => ({ databaseId: id, keyId: value.keyId, syncSettings: readSyncSettings(value.syncSettings) }))
  }

  /** The tracking preferences for one database, or undefined when not tracked. @throws SESSION_CLOSED. */
  async databasePreferences(databaseId: string): Promise<TrackedDatabase | undefined> {
    this.#check()
    assertString(databaseId, 'databaseId')
    const view = await this.#db.getStore(DATABASES_TABLE, Table<DatabasePrefsRow>)
    const value = await view.get(databaseId)
    if (!isPlainObject(value) || typeof value.keyId !== 'string') return undefined
    return { databaseId, keyId: value.keyId, syncSettings: readSyncSettings(value.syncSettings) }
  }

  // ---- session -----------------------------------------------------------------

  /**
   * Wipes the decrypted keys (and a password session's derived key) and
   * closes the session: every later call, this one included, throws
   * `SESSION_CLOSED`, and databases opened through it can no longer sign.
   */
  async logout(): Promise<void> {
    this.#check()
    this.#closed = true
    this.#keys.wipe()
    this.#host.sessionClosed?.(this)
  }

  // ---- internals -----------------------------------------------------------------

  #check(): void {
    if (this.#closed) throw new SessionClosedError()
  }

  /** Every key row this session may use (a password session: sealed rows only), oldest first, each registered with the key manager (rows another session added included). */
  async #storedKeys(): Promise<StoredKey[]> {
    const view = await this.#db.getStore(KEYS_TABLE, Table<KeyRow>)
    const seen = new Set<string>()
    const keys: StoredKey[] = []
    const rows = (await view.entries())
      .map(([rowId, value]) => ({ rowId, row: parseKeyRow(value) }))
      .filter((k) => isUsableRow(k.row, this.#keys.sealsKeys))
    rows.sort((a, b) => compareKeyRows(a.row, b.row))
    for (const k of rows) {
      if (seen.has(k.row.keyId)) continue
      seen.add(k.row.keyId)
      this.#keys.register(k.row)
      keys.push(k)
    }
    this.#check()
    return keys
  }

  /** The row of `keyId` (default key when undefined). @throws KEY_NOT_FOUND */
  async #keyFor(keyId: string | undefined): Promise<StoredKey> {
    const keys = await this.#storedKeys()
    if (keyId === undefined) {
      const def = defaultKeyRow(keys.map((k) => k.row))
      const found = def && keys.find((k) => k.row.keyId === def.keyId)
      if (!found) throw new NoKeysAvailableError(this.username)
      return found
    }
    const found = keys.find((k) => k.row.keyId === keyId)
    if (!found) throw new KeyNotFoundError(keyId)
    return found
  }

  #signer(keyId: string, sigKey: string): Signer {
    const key: SigningKey | undefined = this.#keys.signingKey(keyId)
    if (!key) throw new KeyNotFoundError(keyId)
    return { key, sigKey }
  }

  /** The signer this user uses for `db`: a mapped key first, else a key its auth accepts. */
  async #signerFor(db: Database): Promise<Signer | undefined> {
    const keys = await this.#storedKeys()
    // A tracked database signs with the key its preferences name (tracking again switches it).
    const tracked = (await this.databasePreferences(db.id))?.keyId
    const trackedRow = keys.find(({ row }) => row.keyId === tracked)?.row
    const trackedSigKey = trackedRow?.databaseSigKeys[db.id]
    if (trackedRow && trackedSigKey !== undefined) return this.#signer(trackedRow.keyId, trackedSigKey)
    for (const { row } of keys) {
      const sigKey = row.databaseSigKeys[db.id]
      if (sigKey !== undefined) return this.#signer(row.keyId, sigKey)
    }
    for (const { row } of keys) {
      const match = (await db.findSigKeys(row.keyId))[0]
      if (match) return this.#signer(row.keyId, match.sigKey)
    }
    return undefined
  }

  /** One user-database commit setting `keyId`'s sigkey for `databaseId`. */
  async #setMapping(keyId: string, databaseId: string, sigKey: string): Promise<void> {
    await this.#lock.run(async () => {
      const { rowId } = await this.#keyFor(keyId)
      const txn = await this.#db.newTransaction()
      const table = await txn.getStore(KEYS_TABLE, Table<KeyRow>)
      const current = parseKeyRow(await table.get(rowId))
      await table.set(rowId, { ...current, databaseSigKeys: { ...current.databaseSigKeys, [databaseId]: sigKey } })
      await txn.commit()
    })
  }
}
