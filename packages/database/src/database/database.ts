/**
 * @module
 * `Database`: a handle on one database (a root entry and its descendants),
 * optionally with a signer for commits.
 */
import { entryId, entryTree, isRootEntry, type Entry, type Id } from '@engram/backend-api'
import { formatPublicKey, isId, randomBytes } from '@engram/crypto'
import {
  Permission,
  WILDCARD,
  authKeyToJson,
  checkKeyName,
  checkSettingsChange,
  findSigKeysIn,
  requireAuthDoc,
  resolveSigKey,
  type SigKeyMatch,
} from '../auth/index.js'
import { Doc, type JsonValue } from '../crdt/index.js'
import { EntryBuilder } from '../entry/builder.js'
import { signEntry } from '../entry/sign.js'
import {
  DatabaseNotFoundError,
  EntryNotFoundError,
  EntryNotInDatabaseError,
  InvalidSettingsError,
  InvalidTipError,
  ReadOnlyError,
  TypeMismatchError,
  UnauthorizedError,
} from '../errors.js'
import { isSystemStore } from '../store/index-store.js'
import { checkStoreClass } from '../store/registry.js'
import { SETTINGS_STORE, SettingsStore } from '../store/settings-store.js'
import type { StoreClass, StoreContext, StoreCrdt } from '../store/types.js'
import { delegationContext, settingsAtMain, sharedOf, type Engine } from './engine.js'
import { registeredTypeAt, sigInfo, Transaction, type Signer, type TxnOwner } from './transaction.js'
import { checkDatabaseName } from '../store/names.js'

function checkSigner(signer: unknown): Signer {
  const s = signer as Partial<Signer> | null
  if (typeof s !== 'object' || s === null) throw new TypeError('signer must be { key, sigKey }')
  if (typeof s.key !== 'object' || s.key === null || typeof s.key.sign !== 'function' || !(s.key.publicKey instanceof Uint8Array))
    throw new TypeError('signer.key must be a SigningKey')
  if (typeof s.sigKey !== 'string' && !Array.isArray(s.sigKey)) throw new TypeError('signer.sigKey must be a string or a delegation path')
  return s as Signer
}

/**
 * One database. Create with {@link Database.create}, open with
 * {@link Database.open}; a handle without a signer is read-only.
 */
export class Database {
  readonly id: Id
  readonly engine: Engine
  readonly #signer: Signer | undefined
  readonly #publicKey: string | undefined
  readonly #owner: TxnOwner

  private constructor(engine: Engine, id: Id, signer: Signer | undefined) {
    this.engine = engine
    this.id = id
    this.#signer = signer
    this.#publicKey = signer === undefined ? undefined : formatPublicKey(signer.key.publicKey)
    // The signer of a handle never changes: one object, handed to every commit.
    const who = signer === undefined ? undefined : { signer, publicKey: this.#publicKey! }
    const shared = sharedOf(engine)
    this.#owner = { id, engine, states: shared.states, shared, signer: () => who }
  }

  /**
   * Creates a database: a root entry holding `settings` (and random entropy,
   * so every root is unique), signed by `signer`. When `settings` has no
   * `auth` (or an empty one, which would leave the database writable by
   * no one), the signer's key becomes `Admin(0)` under `signer.sigKey`;
   * otherwise `settings.auth` is used as given and the signer must be an
   * Admin key in it.
   * @throws InvalidValueError (`INVALID_VALUE`) for settings that are not
   * JSON-like; InvalidSettingsError (`INVALID_SETTINGS`) for a malformed
   * `auth`; UnauthorizedError (`UNAUTHORIZED`) when the signer is not Admin in
   * the given auth.
   */
  static async create(engine: Engine, settings: { [k: string]: JsonValue }, signer: Signer): Promise<Database> {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings))
      throw new TypeError('settings must be a plain object')
    checkSigner(signer)
    if (typeof settings.name === 'string') checkDatabaseName(settings.name)
    const publicKey = formatPublicKey(signer.key.publicKey)
    const doc = Doc.fromJSON(settings)
    const auth = settings.auth
    const noAuth = auth === undefined || (typeof auth === 'object' && auth !== null && !Array.isArray(auth) && Object.keys(auth).length === 0)
    if (noAuth) {
      if (typeof signer.sigKey !== 'string' || signer.sigKey === WILDCARD)
        throw new InvalidSettingsError('without settings.auth the signer needs a plain key name to become Admin(0) under')
      checkKeyName(signer.sigKey)
      doc.setPath(`auth.${signer.sigKey}`, authKeyToJson({ pubkey: publicKey, permission: Permission.admin(0), status: 'active' }))
    }
    if (requireAuthDoc(doc) === undefined) throw new InvalidSettingsError('settings.auth must be an object')
    // A root entry is checked against its own settings.
    const sig = sigInfo(signer, publicKey)
    const resolved = await resolveSigKey(doc, sig, delegationContext(engine))
    if (resolved.pubkey !== publicKey) throw new UnauthorizedError('the signing key is not the key named by sigKey')
    checkSettingsChange(resolved.permission, undefined, doc)

    const entropy = Number(new DataView(randomBytes(8).buffer).getBigUint64(0) >> 11n)
    const entry = EntryBuilder.root()
      .setSubtreeData(SETTINGS_STORE, doc.encode())
      .setMetadata(JSON.stringify({ settings_tips: [], entropy }))
      .setSig(sig)
      .build()
    const id = await signEntry(entry, signer.key)
    await engine.backend.put(id, entry, 'verified')
    sharedOf(engine).states.applyVerified(id, id, entry)
    engine.hooks.emit({ entryId: id, databaseId: id, entry, source: 'local' })
    return new Database(engine, id, signer)
  }

  /**
   * Opens a stored database. Without `signer` the handle is read-only
   * (`commit()` → `READ_ONLY`).
   * @throws DatabaseNotFoundError (`DATABASE_NOT_FOUND`) when `id` is not a stored, verified root entry.
   */
  static async open(engine: Engine, id: Id, signer?: Signer): Promise<Database> {
    if (typeof id !== 'string') throw new TypeError('database id must be a string')
    if (signer !== undefined) checkSigner(signer)
    if (!isId(id)) throw new DatabaseNotFoundError(id)
    try {
      if ((await engine.backend.getStatus(id)) !== 'verified' || !isRootEntry(await engine.backend.get(id)))
        throw new DatabaseNotFoundError(id)
    } catch (err) {
      if (err instanceof EntryNotFoundError) throw new DatabaseNotFoundError(id)
      throw err
    }
    return new Database(engine, id, signer)
  }

  /** The same database with another signer (or read-only with `undefined`). */
  withSigner(signer: Signer | undefined): Database {
    if (signer !== undefined) checkSigner(signer)
    return new Database(this.engine, this.id, signer)
  }

  /** Whether this handle can commit. */
  get readOnly(): boolean {
    return this.#signer === undefined
  }

  /** The signer's `ed25519:` public key, when there is a signer. */
  get publicKey(): string | undefined {
    return this.#publicKey
  }

  /** `settings.name` at the current tips. */
  async name(): Promise<string | undefined> {
    const name = (await settingsAtMain(this.engine, this.id, await this.getTips())).get('name')
    return typeof name === 'string' ? name : undefined
  }

  /** Current tips, sorted (`[id]` right after creation). */
  getTips(): Promise<Id[]> {
    return sharedOf(this.engine).states.tips(this.id)
  }

  /** A transaction at the current tips. */
  newTransaction(): Promise<Transaction> {
    // The tips are in memory on the usual path: no await then.
    const tips = this.#owner.states.tipsNow(this.id)
    if (tips !== undefined) return Promise.resolve(new Transaction(this.#owner, tips, true))
    return this.getTips().then((loaded) => new Transaction(this.#owner, loaded))
  }

  /**
   * A transaction at `tips` (e.g. older ones, to read or branch from there).
   * @throws InvalidTipError (`INVALID_TIP`) for an empty list, or a tip that is unknown, not verified or of another database.
   */
  async newTransactionAt(tips: readonly Id[]): Promise<Transaction> {
    if (!Array.isArray(tips) || tips.some((t) => typeof t !== 'string')) throw new TypeError('tips must be an array of ids')
    if (tips.length === 0) throw new InvalidTipError('', 'a transaction needs at least one tip')
    for (const tip of tips) await this.#checkTip(tip)
    return new Transaction(this.#owner, [...new Set(tips)])
  }

  async #checkTip(tip: Id): Promise<void> {
    const backend = this.engine.backend
    if (!isId(tip) || !(await backend.has(tip))) throw new InvalidTipError(tip, `tip ${tip.slice(0, 80)} is unknown`)
    if ((await backend.getStatus(tip)) !== 'verified') throw new InvalidTipError(tip, `tip ${tip.slice(0, 80)} is not verified`)
    if (entryTree(tip, await backend.get(tip)) !== this.id)
      throw new InvalidTipError(tip, `tip ${tip.slice(0, 80)} belongs to another database`)
  }

  /**
   * A read-only snapshot of store `name` at the current tips (later commits
   * do not show; take a new view for them). Writes → `READ_ONLY`.
   * @throws TypeMismatchError (`TYPE_MISMATCH`) when the name is registered with another type.
   */
  async getStore<S>(name: string, Store: StoreClass<S>): Promise<S> {
    if (typeof name !== 'string' || name === '') throw new TypeError('store name must be a non-empty string')
    if (isSystemStore(name)) throw new RangeError(`"${name}" is a reserved store name`)
    const S = checkStoreClass(Store) as StoreClass<S>
    const tips = await this.getTips()
    const registered = await registeredTypeAt(this.engine, this.id, tips, name)
    if (registered !== undefined && registered !== S.typeId) throw new TypeMismatchError(name, S.typeId, registered)
    return this.#view(name, S, tips)
  }

  /** A read-only snapshot of the settings at the current tips. */
  async getSettings(): Promise<SettingsStore> {
    return this.#view(SETTINGS_STORE, SettingsStore as StoreClass<SettingsStore>, await this.getTips())
  }

  async #view<S>(name: string, S: StoreClass<S>, tips: Id[]): Promise<S> {
    const states = sharedOf(this.engine).states
    const storeTips = await states.storeTipsAt(this.id, name, tips)
    const crdt = S.crdt as StoreCrdt<unknown>
    const cut = states.cutNow(this.id, tips) ?? (await states.cutAt(this.id, tips))
    const { state } = await states.acquire(this.id, name, S.typeId, crdt, storeTips, 'view', cut)
    const context: StoreContext<unknown> = {
      name,
      crdt,
      base: async () => state,
      staged: () => undefined,
      stage: () => {
        throw new ReadOnlyError('a view is read-only: write through a transaction')
      },
    }
    return new S(context)
  }

  /** Every verified entry of this database, in (height, id) order. */
  async getAllEntries(): Promise<{ id: Id; entry: Entry }[]> {
    const entries = await this.engine.backend.getTree(this.id)
    return entries.map((entry) => ({ id: entryId(entry), entry }))
  }

  /**
   * One entry of this database.
   * @throws EntryNotFoundError (`ENTRY_NOT_FOUND`); EntryNotInDatabaseError (`ENTRY_NOT_IN_DATABASE`) when it belongs to another database.
   */
  async getEntry(id: Id): Promise<Entry> {
    if (typeof id !== 'string') throw new TypeError('id must be a string')
    const entry = await this.engine.backend.get(id)
    if (entryTree(id, entry) !== this.id) throw new EntryNotInDatabaseError(id, this.id)
    return entry
  }

  /**
   * Auth names `publicKey` can sign under at the current tips, strongest
   * first: active direct keys with that public key, and `*` when an active
   * wildcard exists.
   */
  async findSigKeys(publicKey: string): Promise<SigKeyMatch[]> {
    if (typeof publicKey !== 'string') throw new TypeError('publicKey must be a string')
    return findSigKeysIn(await settingsAtMain(this.engine, this.id, await this.getTips()), publicKey)
  }

  /** Calls `cb` once per entry committed locally to this database. Returns the unsubscribe function. */
  onLocalWrite(cb: (e: { entryId: Id; databaseId: Id }) => void | Promise<void>): () => void {
    return this.engine.hooks.on('local', (e) => cb({ entryId: e.entryId, databaseId: e.databaseId }), this.id)
  }

  /** Calls `cb` once per entry received, stored and verified for this database. Returns the unsubscribe function. */
  onRemoteWrite(cb: (e: { entryId: Id; databaseId: Id }) => void | Promise<void>): () => void {
    return this.engine.hooks.on('remote', (e) => cb({ entryId: e.entryId, databaseId: e.databaseId }), this.id)
  }
}
