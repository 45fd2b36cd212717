/**
 * @module
 * `IndexedDbBackend`: entries with their statuses, local keys and instance
 * metadata in one IndexedDB database (schema in `schema.ts`).
 *
 * Writes go to IndexedDB first, in `strict`-durability transactions, and a
 * `put` resolves only once its transaction has committed; puts issued
 * together (before the first of them yields) share one transaction, so a
 * batch is stored whole or not at all. Reads are served from an in-memory
 * mirror (a {@link MemoryBackend}, loaded and re-verified at open and updated
 * after each commit), so the graph questions the engine asks on every commit
 * cost what they cost in memory. Other handles on the same database (other
 * tabs) announce their writes on a BroadcastChannel; this handle reads them
 * from IndexedDB into its mirror and reports them to {@link IndexedDbBackend.watch}.
 */
import {
  EngramError,
  EntryNotFoundError,
  assertBytes,
  assertStatus,
  assertString,
  checkPut,
  compareIds,
  entryTree,
  isVerificationStatus,
  type Backend,
  type Entry,
  type Id,
  type VerificationStatus,
} from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { BackendClosedError, CorruptStoreError, QuotaExceededError, StorageError, type ClosedReason } from './errors.js'
import { indexedDbFactory, openDatabase, requestResult, transactionDone } from './open.js'
import { ENTRIES, LOCAL_KEYS, METADATA, SCHEMA_VERSION, STORES, upgradeSchema, type StoredRecord } from './schema.js'

/** One entry another handle wrote (or whose status it changed), as {@link IndexedDbBackend.watch} reports it. */
export interface WatchedEntry {
  readonly id: Id
  /** Its database (`entryTree`). */
  readonly tree: Id
  readonly entry: Entry
  readonly status: VerificationStatus
}

/** Called with the entries another handle (tab, window, worker) wrote to the same database. */
export type OnEntries = (entries: WatchedEntry[]) => void

interface PendingPut {
  readonly id: Id
  readonly entry: Entry
  readonly status: VerificationStatus
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

/** The message a handle posts after a committed write: the ids whose records changed. */
interface ChangeMessage {
  readonly ids: Id[]
}

const isChangeMessage = (data: unknown): data is ChangeMessage =>
  typeof data === 'object' && data !== null && Array.isArray((data as ChangeMessage).ids) && (data as ChangeMessage).ids.every((id) => typeof id === 'string')

const STRICT: IDBTransactionOptions = { durability: 'strict' }

/**
 * A {@link Backend} on IndexedDB, for browsers (and for Node with an
 * IndexedDB polyfill such as fake-indexeddb).
 * @example
 * const backend = await IndexedDbBackend.open('my-app')
 * const instance = await Instance.open(backend)
 */
export class IndexedDbBackend implements Backend {
  readonly #name: string
  readonly #db: IDBDatabase
  readonly #mirror: MemoryBackend
  readonly #channel: BroadcastChannel | undefined
  readonly #watchers = new Set<OnEntries>()
  #closed: ClosedReason | undefined
  #pending: PendingPut[] = []
  readonly #inflight = new Set<Promise<void>>()
  /** Announcements from other handles, applied one after another. */
  #incoming: Promise<void> = Promise.resolve()

  private constructor(name: string, db: IDBDatabase, mirror: MemoryBackend) {
    this.#name = name
    this.#db = db
    this.#mirror = mirror
    db.onversionchange = (event) => this.#shut(event.newVersion === null ? 'deleted' : 'upgraded')
    db.onclose = () => this.#shut('lost')
    const Channel = (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel
    if (Channel !== undefined) {
      this.#channel = new Channel(channelName(name))
      this.#channel.onmessage = (event: MessageEvent) => {
        if (!isChangeMessage(event.data)) return
        const ids = event.data.ids
        this.#incoming = this.#incoming.then(() => this.#applyRemote(ids)).catch(() => undefined)
      }
    }
  }

  /**
   * Opens (creating when absent) the IndexedDB database `name`, and loads and
   * re-verifies every stored entry (each is re-hashed against its key).
   * @throws IndexedDbUnavailableError (`INDEXEDDB_UNAVAILABLE`) without IndexedDB;
   * UnsupportedFormatError (`UNSUPPORTED_FORMAT`) for a database of a newer
   * schema (left untouched); CorruptStoreError (`CORRUPT_STORE`) for a database
   * that is not an Engram store or holds a damaged record; UpgradeBlockedError
   * (`UPGRADE_BLOCKED`) when another open connection blocks the schema upgrade;
   * StorageError (`STORAGE_FAILED`) for any other IndexedDB failure.
   */
  static async open(name: string): Promise<IndexedDbBackend> {
    assertString(name, 'name')
    if (name === '') throw new RangeError('name must not be empty')
    const factory = indexedDbFactory()
    let db: IDBDatabase
    try {
      db = await openDatabase(factory, name, SCHEMA_VERSION, upgradeSchema)
    } catch (err) {
      throw err instanceof EngramError ? err : mapError(name, 'open', err)
    }
    try {
      for (const store of STORES) if (!db.objectStoreNames.contains(store)) throw new CorruptStoreError(name, `object store "${store}" is missing`)
      const mirror = await load(name, db)
      return new IndexedDbBackend(name, db, mirror)
    } catch (err) {
      db.close()
      throw err instanceof EngramError ? err : mapError(name, 'open', err)
    }
  }

  /** The IndexedDB database name this backend uses. */
  get name(): string {
    return this.#name
  }

  // ---- entries ----------------------------------------------------------

  /**
   * Stores an entry; resolves once the IndexedDB transaction holding it has
   * committed with `strict` durability. Puts issued without waiting for one
   * another share one transaction: all of them are stored, or none.
   * @throws InvalidEntryError (`INVALID_ENTRY`); QuotaExceededError
   * (`STORAGE_QUOTA_EXCEEDED`); BackendClosedError (`BACKEND_CLOSED`);
   * StorageError (`STORAGE_FAILED`).
   */
  async put(id: Id, entry: Entry, status: VerificationStatus): Promise<void> {
    this.#check()
    const checked = checkPut(id, entry, status)
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ id, entry: checked, status, resolve, reject })
      if (this.#pending.length === 1) {
        const flushed = new Promise<void>((done) => queueMicrotask(() => this.#flush().then(done)))
        this.#inflight.add(flushed)
        void flushed.then(() => this.#inflight.delete(flushed))
      }
    })
  }

  /** Writes the pending puts in one transaction; settles each put. Never rejects. */
  async #flush(): Promise<void> {
    const batch = this.#pending
    this.#pending = []
    // What IndexedDB holds for each id once the transaction commits, and which ids this batch wrote.
    const stored = new Map<Id, StoredRecord>()
    const written: Id[] = []
    let failure: unknown
    try {
      this.#check()
      const tx = this.#db.transaction(ENTRIES, 'readwrite', STRICT)
      const done = transactionDone(tx)
      const store = tx.objectStore(ENTRIES)
      for (const item of batch) {
        const read = store.get(item.id)
        read.onsuccess = () => {
          if (failure !== undefined || stored.has(item.id)) return
          const existing = read.result as unknown
          if (existing !== undefined) {
            // Re-putting a known id keeps what is stored (written perhaps by another tab).
            stored.set(item.id, existing as StoredRecord)
            return
          }
          const record: StoredRecord = { entry: item.entry, status: item.status }
          try {
            store.put(record, item.id)
          } catch (err) {
            failure = err
            tx.abort()
            return
          }
          stored.set(item.id, record)
          written.push(item.id)
        }
      }
      await done
    } catch (err) {
      const error = this.#error('put', failure ?? err)
      for (const item of batch) item.reject(error)
      return
    }
    for (const item of batch) {
      try {
        const record = stored.get(item.id)!
        if (!(await this.#mirror.has(item.id))) await this.#mirror.put(item.id, recordEntry(this.#name, item.id, record), record.status)
        item.resolve()
      } catch (err) {
        item.reject(err)
      }
    }
    this.#announce(written)
  }

  async get(id: Id): Promise<Entry> {
    this.#check()
    return this.#mirror.get(id)
  }

  async has(id: Id): Promise<boolean> {
    this.#check()
    return this.#mirror.has(id)
  }

  async getStatus(id: Id): Promise<VerificationStatus> {
    this.#check()
    return this.#mirror.getStatus(id)
  }

  /**
   * Changes an entry's status durably (one transaction).
   * @throws EntryNotFoundError (`ENTRY_NOT_FOUND`); BackendClosedError; StorageError.
   */
  async setStatus(id: Id, status: VerificationStatus): Promise<void> {
    assertString(id, 'id')
    assertStatus(status)
    this.#check()
    let record: StoredRecord | undefined
    let failure: unknown
    try {
      const tx = this.#db.transaction(ENTRIES, 'readwrite', STRICT)
      const done = transactionDone(tx)
      const store = tx.objectStore(ENTRIES)
      const read = store.get(id)
      read.onsuccess = () => {
        const existing = read.result as StoredRecord | undefined
        if (existing === undefined || existing.status === status) {
          record = existing
          return
        }
        record = { entry: existing.entry, status }
        try {
          store.put(record, id)
        } catch (err) {
          failure = err
          tx.abort()
        }
      }
      await done
    } catch (err) {
      throw this.#error('setStatus', failure ?? err)
    }
    if (record === undefined) throw new EntryNotFoundError(id)
    if (await this.#mirror.has(id)) await this.#mirror.setStatus(id, status)
    else await this.#mirror.put(id, recordEntry(this.#name, id, record), status)
    this.#announce([id])
  }

  async idsByStatus(status: VerificationStatus): Promise<Id[]> {
    this.#check()
    return this.#mirror.idsByStatus(status)
  }

  async treeEntryIds(tree: Id): Promise<Id[]> {
    this.#check()
    return this.#mirror.treeEntryIds(tree)
  }

  async rootIds(): Promise<Id[]> {
    this.#check()
    return this.#mirror.rootIds()
  }

  // ---- local keys and metadata (read from IndexedDB: always current across tabs)

  async putLocalKey(name: string, key: Uint8Array): Promise<void> {
    assertString(name, 'name')
    const copy = assertBytes(key, 'key').slice()
    await this.#write(LOCAL_KEYS, 'putLocalKey', (store) => store.put(copy, name))
  }

  async getLocalKey(name: string): Promise<Uint8Array | undefined> {
    assertString(name, 'name')
    const value = await this.#read(LOCAL_KEYS, 'getLocalKey', (store) => store.get(name))
    if (value === undefined) return undefined
    if (!(value instanceof Uint8Array)) throw new CorruptStoreError(this.#name, `local key ${name} is not bytes`)
    return value
  }

  async listLocalKeys(): Promise<string[]> {
    const keys = await this.#read(LOCAL_KEYS, 'listLocalKeys', (store) => store.getAllKeys())
    return keys.filter((k): k is string => typeof k === 'string').sort(compareIds)
  }

  async deleteLocalKey(name: string): Promise<void> {
    assertString(name, 'name')
    await this.#write(LOCAL_KEYS, 'deleteLocalKey', (store) => store.delete(name))
  }

  async getMetadata(key: string): Promise<string | undefined> {
    assertString(key, 'key')
    const value = await this.#read(METADATA, 'getMetadata', (store) => store.get(key))
    if (value === undefined) return undefined
    if (typeof value !== 'string') throw new CorruptStoreError(this.#name, `metadata ${key} is not a string`)
    return value
  }

  async setMetadata(key: string, value: string): Promise<void> {
    assertString(key, 'key')
    assertString(value, 'value')
    await this.#write(METADATA, 'setMetadata', (store) => store.put(value, key))
  }

  // ---- graph queries (the mirror's incremental index) -------------------

  async getTips(tree: Id): Promise<Id[]> {
    this.#check()
    return this.#mirror.getTips(tree)
  }

  async getStoreTips(tree: Id, store: string): Promise<Id[]> {
    this.#check()
    return this.#mirror.getStoreTips(tree, store)
  }

  async getStoreTipsUpTo(tree: Id, store: string, mainIds: readonly Id[]): Promise<Id[]> {
    this.#check()
    return this.#mirror.getStoreTipsUpTo(tree, store, mainIds)
  }

  async getHeight(tree: Id, id: Id): Promise<number> {
    this.#check()
    return this.#mirror.getHeight(tree, id)
  }

  async getTree(tree: Id): Promise<Entry[]> {
    this.#check()
    return this.#mirror.getTree(tree)
  }

  async getTreeFromTips(tree: Id, tips: readonly Id[]): Promise<Entry[]> {
    this.#check()
    return this.#mirror.getTreeFromTips(tree, tips)
  }

  async getStore(tree: Id, store: string): Promise<Entry[]> {
    this.#check()
    return this.#mirror.getStore(tree, store)
  }

  async getStoreFromTips(tree: Id, store: string, tips: readonly Id[]): Promise<Entry[]> {
    this.#check()
    return this.#mirror.getStoreFromTips(tree, store, tips)
  }

  async findLca(tree: Id, store: string, ids: readonly Id[]): Promise<Id> {
    this.#check()
    return this.#mirror.findLca(tree, store, ids)
  }

  async getPathFromTo(tree: Id, store: string, from: Id, to: readonly Id[]): Promise<Id[]> {
    this.#check()
    return this.#mirror.getPathFromTo(tree, store, from, to)
  }

  // ---- change feed and lifecycle ------------------------------------------

  /**
   * Calls `onEntries` with the entries other handles on this database (other
   * tabs, windows, workers of the same origin) write, and with entries whose
   * status they change, once this handle has them; never with this handle's
   * own writes. Returns the function that stops it.
   * @throws BackendClosedError (`BACKEND_CLOSED`).
   */
  watch(onEntries: OnEntries): () => void {
    if (typeof onEntries !== 'function') throw new TypeError('onEntries must be a function')
    this.#check()
    const listener: OnEntries = (entries) => onEntries(entries)
    this.#watchers.add(listener)
    return () => {
      this.#watchers.delete(listener)
    }
  }

  /**
   * Waits for writes in flight, then closes the connection and the change
   * feed. Idempotent. Any later call fails with `BACKEND_CLOSED`.
   */
  async close(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight])
    await this.#incoming
    this.#shut('closed')
  }

  /** Why this backend is closed, or `undefined` while it is open. */
  get closedReason(): ClosedReason | undefined {
    return this.#closed
  }

  #shut(reason: ClosedReason): void {
    if (this.#closed !== undefined) return
    this.#closed = reason
    this.#watchers.clear()
    this.#channel?.close()
    this.#db.close()
  }

  #check(): void {
    if (this.#closed !== undefined) throw new BackendClosedError(this.#name, this.#closed)
  }

  #error(what: string, err: unknown): EngramError {
    if (err instanceof EngramError) return err
    if (this.#closed !== undefined) return new BackendClosedError(this.#name, this.#closed)
    return mapError(this.#name, what, err)
  }

  async #read<T>(storeName: string, what: string, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    this.#check()
    try {
      const tx = this.#db.transaction(storeName, 'readonly')
      return await requestResult(op(tx.objectStore(storeName)))
    } catch (err) {
      throw this.#error(what, err)
    }
  }

  async #write(storeName: string, what: string, op: (store: IDBObjectStore) => IDBRequest): Promise<void> {
    this.#check()
    try {
      const tx = this.#db.transaction(storeName, 'readwrite', STRICT)
      const done = transactionDone(tx)
      op(tx.objectStore(storeName))
      await done
    } catch (err) {
      throw this.#error(what, err)
    }
  }

  #announce(ids: Id[]): void {
    if (ids.length === 0 || this.#channel === undefined || this.#closed !== undefined) return
    try {
      this.#channel.postMessage({ ids } satisfies ChangeMessage)
    } catch {
      // A closed channel: the other handles miss a notice, never data (it is in IndexedDB).
    }
  }

  /** Reads the records another handle announced and brings the mirror up to date with them. */
  async #applyRemote(ids: readonly Id[]): Promise<void> {
    if (this.#closed !== undefined) return
    const tx = this.#db.transaction(ENTRIES, 'readonly')
    const store = tx.objectStore(ENTRIES)
    const records = await Promise.all(ids.map((id) => requestResult(store.get(id)) as Promise<unknown>))
    const changed: WatchedEntry[] = []
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      const record = records[i]
      if (!isStoredRecord(record)) continue
      try {
        if (!(await this.#mirror.has(id))) await this.#mirror.put(id, record.entry, record.status)
        else if ((await this.#mirror.getStatus(id)) !== record.status) await this.#mirror.setStatus(id, record.status)
        else continue
      } catch {
        continue // a damaged record written by someone else: not taken in
      }
      const entry = await this.#mirror.get(id)
      changed.push({ id, tree: entryTree(id, entry), entry, status: record.status })
    }
    if (changed.length === 0) return
    for (const watcher of [...this.#watchers]) {
      try {
        watcher(changed)
      } catch {
        // A throwing listener must not stop the feed for the others.
      }
    }
  }
}

/** The BroadcastChannel on which handles of database `name` announce their writes. */
export function channelName(name: string): string {
  return `engram-indexeddb:${name}`
}

function isStoredRecord(value: unknown): value is StoredRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StoredRecord).entry === 'object' &&
    (value as StoredRecord).entry !== null &&
    isVerificationStatus((value as StoredRecord).status)
  )
}

function recordEntry(name: string, id: Id, record: StoredRecord): Entry {
  if (!isStoredRecord(record)) throw new CorruptStoreError(name, `record ${id} is damaged`)
  return record.entry
}

/** An IndexedDB failure as a typed error. */
function mapError(name: string, what: string, err: unknown): EngramError {
  if (err instanceof EngramError) return err
  const errName = (err as { name?: unknown } | null)?.name
  if (errName === 'QuotaExceededError') return new QuotaExceededError(name, { cause: err })
  if (errName === 'InvalidStateError') return new BackendClosedError(name, 'lost')
  return new StorageError(name, what, { cause: err })
}

/** Reads every record into a fresh mirror, re-verifying each entry against its key. */
async function load(name: string, db: IDBDatabase): Promise<MemoryBackend> {
  const tx = db.transaction(ENTRIES, 'readonly')
  const store = tx.objectStore(ENTRIES)
  const [keys, values] = await Promise.all([requestResult(store.getAllKeys()), requestResult(store.getAll() as IDBRequest<unknown[]>)])
  const mirror = new MemoryBackend()
  for (let i = 0; i < keys.length; i++) {
    const id = keys[i]
    const record = values[i]
    if (typeof id !== 'string' || !isStoredRecord(record)) throw new CorruptStoreError(name, `record ${String(id)} is damaged`)
    try {
      await mirror.put(id, record.entry, record.status)
    } catch (err) {
      throw new CorruptStoreError(name, `entry ${id} does not verify`, { cause: err })
    }
  }
  return mirror
}
