/**
 * @module
 * `Instance`: one backend, its device key, the system databases
 * (`_instance`, `_users`, `_databases`, and `_sync` once sync is enabled),
 * the user accounts, the write hooks, and the sync plugin slot.
 */
import type { Backend } from '@engram/backend-api'
import { DEFAULT_ARGON2, EngramError, ed25519 as defaultEd25519, hashPassword, verifyPassword, type Argon2Params, type Ed25519 } from '@engram/crypto'
import { Engine, type Signer, type WriteEvent, type WriteSource } from '@engram/database'
import { createUserDatabase, openUserSession, type User, type UserHost, type UserRecord } from '@engram/user'
import { UserDirectory } from './accounts/directory.js'
import { isWellFormed, validateUsername } from './accounts/username.js'
import {
  InvalidPasswordError,
  PasswordRequiredError,
  SyncUnavailableError,
  UserDisabledError,
  UserExistsError,
  UserNotFoundError,
} from './errors.js'
import { Mutex } from './mutex.js'
import { DatabaseRegistry, type DatabaseRecord } from './registry/database-registry.js'
import { openSystem, recordSyncDatabase, type SystemDatabases } from './system/open.js'
import { registeredSyncFactory, type InstanceSync, type SyncContext, type SyncFactory } from './sync/slot.js'

export interface InstanceOptions {
  /**
   * Argon2id parameters for new passwords and key-encryption keys (default
   * m=19456 KiB, t=2, p=1 — DECISIONS 10). Stored with each account, so
   * existing accounts keep working when this changes.
   */
  argon2?: Argon2Params
  /** The Ed25519 implementation (default: `@engram/crypto`'s platform default). */
  ed25519?: Ed25519
  /** A sync factory for this instance, instead of the one `@engram/sync` registers globally. */
  sync?: SyncFactory
}

/** Ids of the system databases. */
export interface SystemDatabaseIds {
  instance: string
  users: string
  databases: string
  /** Defined once sync was enabled on this backend (in any process). */
  sync?: string
}

/**
 * Returns `password` when it is a string (or undefined) of well-formed
 * Unicode: a lone surrogate would be encoded as U+FFFD, so `'secret\uD800'`
 * would open with `'secret\uDBFF'`.
 * @throws TypeError for another type; InvalidPasswordError (`INVALID_PASSWORD`) when it is ill-formed.
 */
function assertPassword(password: unknown): string | undefined {
  if (password !== undefined && typeof password !== 'string') throw new TypeError('password must be a string or undefined')
  if (password !== undefined && !isWellFormed(password)) throw new InvalidPasswordError('the password is not well-formed Unicode (a lone surrogate)')
  return password
}

/**
 * An Engram instance. Open one per backend with `Instance.open(backend)`;
 * accounts are created and logged in here, everything else happens in the
 * returned `User` session.
 */
export class Instance {
  readonly #backend: Backend
  readonly #engine: Engine
  readonly #ed: Ed25519
  readonly #argon2: Argon2Params
  readonly #deviceSigner: Signer
  readonly #devicePublicKey: string
  readonly #system: SystemDatabases
  readonly #users: UserDirectory
  readonly #registry: DatabaseRegistry
  readonly #sessions = new Set<User>()
  readonly #host: UserHost
  readonly #syncFactory: SyncFactory | undefined
  readonly #instanceLock = new Mutex()
  #syncDatabaseId: string | undefined
  #sync: InstanceSync | undefined
  #syncStarting: Promise<InstanceSync> | undefined

  private constructor(init: {
    backend: Backend
    engine: Engine
    ed: Ed25519
    options: InstanceOptions
    deviceSigner: Signer
    devicePublicKey: string
    system: SystemDatabases
    syncDatabaseId: string | undefined
  }) {
    this.#backend = init.backend
    this.#engine = init.engine
    this.#ed = init.ed
    this.#argon2 = { ...(init.options.argon2 ?? DEFAULT_ARGON2) }
    this.#syncFactory = init.options.sync
    this.#deviceSigner = init.deviceSigner
    this.#devicePublicKey = init.devicePublicKey
    this.#system = init.system
    this.#syncDatabaseId = init.syncDatabaseId
    this.#users = new UserDirectory(init.system.users)
    this.#registry = new DatabaseRegistry(init.system.databases)
    const registry = this.#registry
    const sessions = this.#sessions
    this.#host = {
      engine: init.engine,
      ed25519: init.ed,
      registerDatabase: (entry) => registry.register(entry),
      findDatabaseIds: (name) => registry.idsByName(name),
      setTracking: (change) => registry.setTracking(change),
      sessionClosed: (session) => void sessions.delete(session as User),
    }
  }

  /**
   * Opens `backend`: loads the device key and finds the system databases,
   * or, on a backend without a device key, creates them.
   * @throws SYSTEM_DATABASE_MISSING / SYSTEM_DATABASE_DUPLICATE when the backend has a device key
   *   but not exactly one of a system database; DEVICE_KEY_MISSING when it records an instance but
   *   lost the key; DEVICE_KEY_MISMATCH; UNSUPPORTED_FORMAT.
   * @example
   * const instance = await Instance.open(new MemoryBackend())
   */
  static async open(backend: Backend, options: InstanceOptions = {}): Promise<Instance> {
    if (typeof backend !== 'object' || backend === null || typeof backend.getLocalKey !== 'function')
      throw new TypeError('Instance.open: backend must be a Backend')
    if (typeof options !== 'object' || options === null) throw new TypeError('Instance.open: options must be an object')
    if (options.sync !== undefined && typeof options.sync !== 'function')
      throw new TypeError('Instance.open: options.sync must be a function')
    const ed = options.ed25519 ?? defaultEd25519
    const engine = new Engine(backend, { ed25519: ed })
    const opened = await openSystem(engine, backend, ed)
    return new Instance({
      backend,
      engine,
      ed,
      options,
      deviceSigner: opened.deviceSigner,
      devicePublicKey: opened.devicePublicKey,
      system: opened.databases,
      syncDatabaseId: opened.syncDatabaseId,
    })
  }

  // ---- identity and plumbing ---------------------------------------------------

  /** The device public key, `ed25519:<base64>`. */
  devicePublicKey(): string {
    return this.#devicePublicKey
  }

  /** The backend this instance stores into. */
  backend(): Backend {
    return this.#backend
  }

  /** The engine shared by every database handle of this instance. */
  engine(): Engine {
    return this.#engine
  }

  /** Ids of the system databases (`sync` once sync was enabled on this backend). */
  systemDatabaseIds(): SystemDatabaseIds {
    const ids: SystemDatabaseIds = {
      instance: this.#system.instance.id,
      users: this.#system.users.id,
      databases: this.#system.databases.id,
    }
    if (this.#syncDatabaseId !== undefined) ids.sync = this.#syncDatabaseId
    return ids
  }

  /**
   * Subscribes to writes: `'local'` commits made in this process, `'remote'`
   * entries received (by sync) once verified; for every database or one.
   * This is the seam sync uses. Returns the unsubscribe function.
   */
  onWrite(source: WriteSource, listener: (event: WriteEvent) => void | Promise<void>, databaseId?: string): () => void {
    if (source !== 'local' && source !== 'remote') throw new TypeError("onWrite: source must be 'local' or 'remote'")
    if (typeof listener !== 'function') throw new TypeError('onWrite: listener must be a function')
    return this.#engine.hooks.on(source, listener, databaseId)
  }

  // ---- accounts ----------------------------------------------------------------

  /**
   * Creates an account and its private database; returns the user id.
   * `''` is a password (different from none).
   * The name is stored in NFC. A name is taken once per backend, whichever
   * Instance handle asks (handles on one backend object take turns); where
   * processes share a backend, the first-created record of a name wins
   * everywhere, and a creation that finds it lost reports `USER_EXISTS`.
   * @throws USER_EXISTS; INVALID_USERNAME (empty, over 64 characters, control or bidi control
   *   characters, nothing visible, leading `_`); INVALID_PASSWORD (not well-formed Unicode).
   */
  async createUser(input: string, password?: string): Promise<string> {
    const username = validateUsername(input)
    assertPassword(password)
    const userId = await this.#users.lock.run(async () => {
      const existing = await this.#users.all()
      if (existing.some((r) => r.username.normalize('NFC') === username)) throw new UserExistsError(username)
      // listUsers lists in creation order by createdAt: keep it strictly increasing on this
      // instance, since several accounts can be made within one millisecond (ties would fall
      // back to the random user id).
      const createdAt = Math.max(Date.now(), ...existing.map((r) => r.createdAt + 1))
      const passwordHash = password === undefined ? null : await hashPassword(password, this.#argon2)
      const created = await createUserDatabase({
        engine: this.#engine,
        deviceSigner: this.#deviceSigner,
        username,
        ...(password === undefined ? {} : { password }),
        kdf: this.#argon2,
        ed25519: this.#ed,
      })
      return this.#users.insert({
        username,
        userDatabaseId: created.userDatabaseId,
        passwordHash,
        keySalt: created.keySalt,
        keyKdf: created.keyKdf,
        createdAt,
        status: 'active',
      })
    })
    // Another process may have taken the name meanwhile: the first-created record wins.
    if ((await this.#users.byName(username))?.userId !== userId) {
      await this.#users.remove(userId)
      throw new UserExistsError(username)
    }
    return userId
  }

  /**
   * Logs a user in and returns the session. A failed login leaves nothing behind.
   * @throws USER_NOT_FOUND; USER_DISABLED; INVALID_PASSWORD (wrong password, or a password for a
   *   passwordless user); PASSWORD_REQUIRED (no password for a password user).
   */
  async loginUser(username: string, password?: string): Promise<User> {
    if (typeof username !== 'string') throw new TypeError('username must be a string')
    assertPassword(password)
    const record = await this.#record(username)
    if (record.status !== 'active') throw new UserDisabledError(username)
    if (record.passwordHash === null) {
      if (password !== undefined) throw new InvalidPasswordError()
    } else {
      if (password === undefined) throw new PasswordRequiredError(username)
    }
    // One Argon2id per login (DECISIONS 11): the key derived from the password
    // opens the default sealed key (a password session accepts only sealed
    // rows, so no plain row planted in storage can stand in for it). When
    // that fails, the PHC hash is the arbiter: it tells a wrong password
    // (INVALID_PASSWORD) from a damaged key (CORRUPT_KEY).
    let session: User
    try {
      session = await openUserSession(this.#host, record, password)
    } catch (err) {
      if (
        password !== undefined &&
        record.passwordHash !== null &&
        err instanceof EngramError &&
        err.code === 'CORRUPT_KEY' &&
        !(await verifyPassword(password, record.passwordHash))
      )
        throw new InvalidPasswordError()
      throw err
    }
    this.#sessions.add(session)
    return session
  }

  /** Every username, in the order the accounts were created. */
  async listUsers(): Promise<string[]> {
    return (await this.#users.accounts()).map((r) => r.username)
  }

  /**
   * Disables an account (not in API.md; an administration helper): later
   * logins throw `USER_DISABLED`, and the user's open sessions are logged out.
   * @throws USER_NOT_FOUND
   */
  async disableUser(username: string): Promise<void> {
    const record = await this.#setStatus(username, 'disabled')
    for (const s of [...this.#sessions]) if (s.userId === record.userId) await s.logout()
  }

  /** Re-enables a disabled account. @throws USER_NOT_FOUND */
  async enableUser(username: string): Promise<void> {
    await this.#setStatus(username, 'active')
  }

  // ---- sync --------------------------------------------------------------------

  /**
   * Enables sync (idempotent: later calls return the same module). Uses
   * `InstanceOptions.sync`, else the factory `@engram/sync` registered on import.
   * @throws SYNC_UNAVAILABLE when neither exists.
   */
  async enableSync(): Promise<InstanceSync> {
    if (this.#sync !== undefined) return this.#sync
    this.#syncStarting ??= (async () => {
      const factory = this.#syncFactory ?? registeredSyncFactory()
      if (!factory) throw new SyncUnavailableError()
      const built: { sync?: InstanceSync } = {}
      const sync = await factory(this.#syncContext(built))
      if (typeof sync !== 'object' || sync === null) throw new TypeError('the sync factory must return an object')
      this.#sync = sync
      built.sync = sync
      return sync
    })().finally(() => {
      this.#syncStarting = undefined
    })
    return this.#syncStarting
  }

  /** The sync module once `enableSync()` has been called in this process, else undefined. */
  sync(): InstanceSync | undefined {
    return this.#sync
  }

  // ---- internals ---------------------------------------------------------------

  async #record(username: string): Promise<UserRecord> {
    const record = await this.#users.byName(username)
    if (record === undefined) throw new UserNotFoundError(username)
    return record
  }

  async #setStatus(username: string, status: UserRecord['status']): Promise<UserRecord> {
    if (typeof username !== 'string') throw new TypeError('username must be a string')
    return this.#users.lock.run(async () => {
      const record = await this.#record(username)
      if (record.status !== status) await this.#users.update({ ...record, status })
      return record
    })
  }

  #syncContext(built: { sync?: InstanceSync }): SyncContext {
    return {
      instance: this,
      engine: this.#engine,
      backend: this.#backend,
      deviceSigner: this.#deviceSigner,
      devicePublicKey: this.#devicePublicKey,
      syncDatabaseId: () => this.#syncDatabaseId,
      setSyncDatabaseId: (id) =>
        this.#instanceLock.run(async () => {
          if (typeof id !== 'string') throw new TypeError('setSyncDatabaseId: id must be a string')
          if (this.#syncDatabaseId === id) return
          await recordSyncDatabase(this.#system.instance, id)
          this.#syncDatabaseId = id
        }),
      onWrite: (source, listener, databaseId) => this.onWrite(source, listener, databaseId),
      users: () => this.#users.accounts(),
      databases: (): Promise<DatabaseRecord[]> => this.#registry.all(),
      sessions: () => [...this.#sessions],
      detach: () => {
        if (built.sync !== undefined && this.#sync === built.sync) this.#sync = undefined
      },
    }
  }
}
