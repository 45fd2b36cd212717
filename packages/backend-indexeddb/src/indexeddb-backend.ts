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
 * cost what they cost in memory.
 *
 * Other handles on the same database (other tabs, windows, workers) write
 * too. Every write of an entry record stamps it with the next change
 * sequence number (`seq`, indexed) and the writing handle's token. Before
 * answering from the mirror, a read asks IndexedDB for the records whose
 * `seq` is above the last one the mirror has taken in (one indexed request,
 * empty when nothing changed) and takes them in first, so a read made after
 * another handle's write resolved sees it. What it takes in from other
 * handles goes to {@link IndexedDbBackend.watch}; handles also announce their
 * commits on a BroadcastChannel, so that watchers hear of them without
 * waiting for a read.
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
  type ChangedEntry,
  type Entry,
  type Id,
  type VerificationStatus,
  type InsertingBackend,
  type WatchableBackend,
} from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { BackendClosedError, CorruptStoreError, QuotaExceededError, StorageError, type ClosedReason } from './errors.js'
import { indexedDbFactory, openDatabase, requestResult, transactionDone } from './open.js'
import { ENTRIES, LOCAL_KEYS, METADATA, SCHEMA_VERSION, SEQ_INDEX, STORES, upgradeSchema, type StoredRecord } from './schema.js'

type Watcher = (entries: ChangedEntry[]) => void

interface PendingPut {
  readonly id: Id
  readonly entry: Entry
  readonly status: VerificationStatus
  /** Settles with whether this put stored the entry (false: its id was stored already). */
  readonly resolve: (stored: boolean) => void
  readonly reject: (err: unknown) => void
}

/** The message a handle posts after a committed write: the greatest change sequence number it wrote. */
interface ChangeMessage {
  readonly seq: number
}

const isChangeMessage = (data: unknown): data is ChangeMessage =>
  typeof data === 'object' && data !== null && typeof (data as ChangeMessage).seq === 'number'

const STRICT: IDBTransactionOptions = { durability: 'strict' }

/** Sequence numbers are integers in 1..MAX_SEQ; index keys outside that (a damaged record) are never read as one. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER

/** Without a BroadcastChannel, how often a handle with watchers looks for other handles' writes (ms). */
const POLL_MS = 250

/** A random token that marks the records a handle writes, so that it does not report its own writes to its watchers. */
function handleToken(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * A {@link WatchableBackend} on IndexedDB, for browsers (and for Node with an
 * IndexedDB polyfill such as fake-indexeddb).
 * @example
 * const backend = await IndexedDbBackend.open('my-app')
 * const instance = await Instance.open(backend)
 */
export class IndexedDbBackend implements InsertingBackend, WatchableBackend {
  readonly #name: string
  readonly #db: IDBDatabase
  readonly #mirror: MemoryBackend
  readonly #token = handleToken()
  readonly #channel: BroadcastChannel | undefined
  readonly #watchers = new Set<Watcher>()
  #poll: ReturnType<typeof setInterval> | undefined
  #closed: ClosedReason | undefined
  #pending: PendingPut[] = []
  readonly #inflight = new Set<Promise<void>>()
  /** Every change with a sequence number at or below this is in the mirror. */
  #seq: number
  /** Updates of the mirror (catch-ups, this handle's own commits), one after another in this order. */
  #chain: Promise<void> = Promise.resolve()
  /** A catch-up queued on {@link #chain} that has not started its transaction yet: a read may join it. */
  #queued: Promise<void> | undefined

  private constructor(name: string, db: IDBDatabase, mirror: MemoryBackend, seq: number) {
    this.#name = name
    this.#db = db
    this.#mirror = mirror
    this.#seq = seq
    db.onversionchange = (event) => this.#shut(event.newVersion === null ? 'deleted' : 'upgraded')
    db.onclose = () => this.#shut('lost')
    const Channel = (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel
    if (Channel !== undefined) {
      this.#channel = new Channel(channelName(name))
      this.#channel.onmessage = (event: MessageEvent) => {
        // A notice only says where to look: the records are read from IndexedDB (a forged one costs one read).
        if (!isChangeMessage(event.data) || event.data.seq <= this.#seq || this.#watchers.size === 0) return
        this.#sync().catch(() => undefined)
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
      const { mirror, seq } = await load(name, db)
      return new IndexedDbBackend(name, db, mirror, seq)
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
    await this.insert(id, entry, status)
  }

  /**
   * {@link put}, resolving to whether this call stored the entry (`false`:
   * its id was stored already, perhaps by another tab).
   */
  async insert(id: Id, entry: Entry, status: VerificationStatus): Promise<boolean> {
    this.#check()
    const checked = checkPut(id, entry, status)
    return new Promise<boolean>((resolve, reject) => {
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
    // The puts this batch wrote (ids not stored yet), in the order of their sequence numbers base + 1, base + 2, …
    const written: PendingPut[] = []
    let base = 0
    let failure: unknown
    try {
      this.#check()
      const tx = this.#db.transaction(ENTRIES, 'readwrite', STRICT)
      const done = transactionDone(tx)
      const store = tx.objectStore(ENTRIES)
      // Requests of a transaction complete in order: the greatest sequence number is known before any get's result.
      const last = lastSeq(store)
      last.onsuccess = () => (base = seqOf(last.result))
      const seen = new Set<Id>()
      for (const item of batch) {
        const read = store.get(item.id)
        read.onsuccess = () => {
          if (failure !== undefined || seen.has(item.id)) return
          seen.add(item.id)
          // Re-putting a known id keeps what is stored (written perhaps by another tab).
          if (read.result !== undefined) return
          const record: StoredRecord = { entry: item.entry, status: item.status, seq: base + written.length + 1, by: this.#token }
          try {
            store.put(record, item.id)
          } catch (err) {
            failure = err
            tx.abort()
            return
          }
          written.push(item)
        }
      }
      await done
    } catch (err) {
      const error = this.#error('put', failure ?? err)
      for (const item of batch) item.reject(error)
      return
    }
    // Committed: the puts resolve whatever happens to the mirror (were it to fail, the next read takes the records in).
    await this.#applyOwn(base, written.length, async () => {
      for (const item of written) if (!(await this.#mirror.has(item.id))) await this.#mirror.put(item.id, item.entry, item.status)
    })
    const stored = new Set(written)
    for (const item of batch) item.resolve(stored.has(item))
    this.#announce(base + written.length, written.length)
  }

  async get(id: Id): Promise<Entry> {
    this.#check()
    // Entries never change: one the mirror holds is the answer; another may have come from another handle.
    if (!(await this.#mirror.has(id))) await this.#sync()
    return this.#mirror.get(id)
  }

  async has(id: Id): Promise<boolean> {
    this.#check()
    if (await this.#mirror.has(id)) return true
    await this.#sync()
    return this.#mirror.has(id)
  }

  async getStatus(id: Id): Promise<VerificationStatus> {
    await this.#sync()
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
    let found = false
    let written: StoredRecord | undefined
    let base = 0
    let failure: unknown
    try {
      const tx = this.#db.transaction(ENTRIES, 'readwrite', STRICT)
      const done = transactionDone(tx)
      const store = tx.objectStore(ENTRIES)
      const last = lastSeq(store)
      last.onsuccess = () => (base = seqOf(last.result))
      const read = store.get(id)
      read.onsuccess = () => {
        const existing = read.result as unknown
        if (existing === undefined) return
        found = true
        if (!isStoredRecord(existing)) {
          failure = new CorruptStoreError(this.#name, `record ${id} is damaged`)
          tx.abort()
          return
        }
        if (existing.status === status) return
        const record: StoredRecord = { entry: existing.entry, status, seq: base + 1, by: this.#token }
        try {
          store.put(record, id)
        } catch (err) {
          failure = err
          tx.abort()
          return
        }
        written = record
      }
      await done
    } catch (err) {
      throw this.#error('setStatus', failure ?? err)
    }
    if (!found) throw new EntryNotFoundError(id)
    const record = written
    if (record === undefined) return
    await this.#applyOwn(base, 1, async () => {
      if (await this.#mirror.has(id)) await this.#mirror.setStatus(id, status)
      else await this.#mirror.put(id, recordEntry(this.#name, id, record), status)
    })
    this.#announce(base + 1, 1)
  }

  async idsByStatus(status: VerificationStatus): Promise<Id[]> {
    await this.#sync()
    return this.#mirror.idsByStatus(status)
  }

  async treeEntryIds(tree: Id): Promise<Id[]> {
    await this.#sync()
    return this.#mirror.treeEntryIds(tree)
  }

  async rootIds(): Promise<Id[]> {
    await this.#sync()
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
    await this.#sync()
    return this.#mirror.getTips(tree)
  }

  async getStoreTips(tree: Id, store: string): Promise<Id[]> {
    await this.#sync()
    return this.#mirror.getStoreTips(tree, store)
  }

  async getStoreTipsUpTo(tree: Id, store: string, mainIds: readonly Id[]): Promise<Id[]> {
    await this.#sync()
    return this.#mirror.getStoreTipsUpTo(tree, store, mainIds)
  }

  async getHeight(tree: Id, id: Id): Promise<number> {
    await this.#sync()
    return this.#mirror.getHeight(tree, id)
  }

  async getTree(tree: Id): Promise<Entry[]> {
    await this.#sync()
    return this.#mirror.getTree(tree)
  }

  async getTreeFromTips(tree: Id, tips: readonly Id[]): Promise<Entry[]> {
    await this.#sync()
    return this.#mirror.getTreeFromTips(tree, tips)
  }

  async getStore(tree: Id, store: string): Promise<Entry[]> {
    await this.#sync()
    return this.#mirror.getStore(tree, store)
  }

  async getStoreFromTips(tree: Id, store: string, tips: readonly Id[]): Promise<Entry[]> {
    await this.#sync()
    return this.#mirror.getStoreFromTips(tree, store, tips)
  }

  async findLca(tree: Id, store: string, ids: readonly Id[]): Promise<Id> {
    await this.#sync()
    return this.#mirror.findLca(tree, store, ids)
  }

  async getPathFromTo(tree: Id, store: string, from: Id, to: readonly Id[]): Promise<Id[]> {
    await this.#sync()
    return this.#mirror.getPathFromTo(tree, store, from, to)
  }

  // ---- change feed and lifecycle ------------------------------------------

  /**
   * Calls `onEntries` with the entries other handles on this database (other
   * tabs, windows, workers of the same origin) stored, and with entries whose
   * status they changed, as `{ id, tree, status }` batches in the order they
   * were committed, once this handle's reads see them (a read takes them in;
   * so does the notice the writing handle posts on the BroadcastChannel).
   * Never this handle's own writes. Several changes of one entry between two
   * looks come as one, with its status then. A callback that throws is
   * ignored. Returns the unsubscribe function (idempotent).
   * @throws TypeError when `onEntries` is not a function; BackendClosedError (`BACKEND_CLOSED`).
   */
  watch(onEntries: (entries: ChangedEntry[]) => void): () => void {
    if (typeof onEntries !== 'function') throw new TypeError('onEntries must be a function')
    this.#check()
    const watcher: Watcher = (entries) => onEntries(entries)
    this.#watchers.add(watcher)
    if (this.#channel === undefined && this.#poll === undefined) {
      // No notices without a BroadcastChannel: look now and then while someone listens.
      this.#poll = setInterval(() => this.#sync().catch(() => undefined), POLL_MS)
    }
    return () => {
      this.#watchers.delete(watcher)
      if (this.#watchers.size === 0) this.#stopPoll()
    }
  }

  /**
   * Waits for writes in flight, then closes the connection and the change
   * feed. Idempotent. Any later call fails with `BACKEND_CLOSED`.
   */
  async close(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight])
    await this.#chain
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
    this.#stopPoll()
    this.#channel?.close()
    this.#db.close()
  }

  #stopPoll(): void {
    if (this.#poll !== undefined) clearInterval(this.#poll)
    this.#poll = undefined
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

  /** Tells the other handles that changes up to sequence number `seq` are committed. */
  #announce(seq: number, count: number): void {
    if (count === 0 || this.#channel === undefined || this.#closed !== undefined) return
    try {
      this.#channel.postMessage({ seq } satisfies ChangeMessage)
    } catch {
      // A closed channel: the other handles miss a notice, never data (their next read takes it in).
    }
  }

  /**
   * Brings the mirror up to date with IndexedDB: resolves once every change
   * committed before the call is in it. Joins a catch-up that is queued but
   * has not started its transaction yet (that one sees everything committed
   * before this call too).
   * @throws BackendClosedError; StorageError.
   */
  #sync(): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(new BackendClosedError(this.#name, this.#closed))
    if (this.#queued !== undefined) return this.#queued
    const run = this.#chain.then(() => {
      this.#queued = undefined
      return this.#catchUp()
    })
    this.#queued = run
    this.#chain = run.catch(() => undefined)
    return run
  }

  /**
   * Applies this handle's own committed write to the mirror, in turn with the
   * catch-ups: when the mirror holds every change up to `base` (the greatest
   * sequence number before the write), `apply` brings it to `base + count`;
   * otherwise other handles' changes came in between, and the next catch-up
   * reads them and this write in their order.
   */
  #applyOwn(base: number, count: number, apply: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(async () => {
      if (count === 0 || this.#seq !== base) return
      await apply()
      this.#seq = base + count
    })
    // Never rejects: a failed apply leaves #seq where it was, so the next catch-up reads the write back.
    this.#chain = run.catch(() => undefined)
    return this.#chain
  }

  /** Reads the records changed since the mirror's sequence number into it, and reports other handles' changes to the watchers. */
  async #catchUp(): Promise<void> {
    this.#check()
    let ids: IDBValidKey[]
    let records: unknown[]
    try {
      ;({ ids, records } = await changedSince(this.#db, this.#seq))
    } catch (err) {
      throw this.#error('read', err)
    }
    const changed: ChangedEntry[] = []
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      const record = records[i]
      // Its index key: a number in the range read (so the next look starts after it, whatever else is wrong with it).
      this.#seq = Math.max(this.#seq, (record as { seq: number }).seq)
      if (typeof id !== 'string' || !isStoredRecord(record)) continue // a damaged record: not taken in (open would refuse it)
      let tree: Id
      try {
        if (!(await this.#mirror.has(id))) {
          await this.#mirror.put(id, record.entry, record.status) // re-verified against its id
          tree = entryTree(id, record.entry)
        } else if ((await this.#mirror.getStatus(id)) !== record.status) {
          await this.#mirror.setStatus(id, record.status)
          tree = entryTree(id, await this.#mirror.get(id))
        } else continue
      } catch {
        continue // an entry that does not verify against its id: not taken in
      }
      if (record.by !== this.#token) changed.push({ id, tree, status: record.status })
    }
    if (changed.length === 0) return
    for (const watcher of [...this.#watchers]) {
      try {
        watcher(changed.map((c) => ({ ...c })))
      } catch {
        // A throwing watcher must not stop the feed for the others.
      }
    }
  }
}

/** The BroadcastChannel on which handles of database `name` announce their writes. */
export function channelName(name: string): string {
  return `engram-indexeddb:${name}`
}

function isStoredRecord(value: unknown): value is StoredRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as StoredRecord
  return (
    typeof r.entry === 'object' &&
    r.entry !== null &&
    isVerificationStatus(r.status) &&
    (r.seq === undefined || (Number.isSafeInteger(r.seq) && r.seq >= 1)) &&
    (r.by === undefined || typeof r.by === 'string')
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

/** The request for the greatest sequence number stored (its cursor's key), inside a transaction on `entries`. */
function lastSeq(store: IDBObjectStore): IDBRequest<IDBCursor | null> {
  return store.index(SEQ_INDEX).openKeyCursor(IDBKeyRange.bound(1, MAX_SEQ), 'prev')
}

/** The greatest sequence number a {@link lastSeq} request found (whole: a damaged fractional one is rounded down). */
function seqOf(cursor: IDBCursor | null): number {
  return cursor === null ? 0 : Math.floor(cursor.key as number)
}

/** The ids and records whose sequence number is above `seq`, in sequence order (one request when there are none). */
function changedSince(db: IDBDatabase, seq: number): Promise<{ ids: IDBValidKey[]; records: unknown[] }> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(ENTRIES, 'readonly')
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'))
    const index = tx.objectStore(ENTRIES).index(SEQ_INDEX)
    const range = IDBKeyRange.bound(seq, MAX_SEQ, true, false)
    const keys = index.getAllKeys(range)
    keys.onerror = () => reject(keys.error)
    keys.onsuccess = () => {
      if (keys.result.length === 0) {
        resolve({ ids: [], records: [] })
        return
      }
      // The same transaction: the same snapshot, so keys and records line up.
      const values = index.getAll(range)
      values.onerror = () => reject(values.error)
      values.onsuccess = () => resolve({ ids: keys.result, records: values.result as unknown[] })
    }
  })
}

/**
 * Reads every record into a fresh mirror, re-verifying each entry against
 * its key; returns it with the greatest sequence number read.
 */
async function load(name: string, db: IDBDatabase): Promise<{ mirror: MemoryBackend; seq: number }> {
  const tx = db.transaction(ENTRIES, 'readonly')
  const store = tx.objectStore(ENTRIES)
  if (!store.indexNames.contains(SEQ_INDEX)) throw new CorruptStoreError(name, `index "${SEQ_INDEX}" of "${ENTRIES}" is missing`)
  const [keys, values] = await Promise.all([requestResult(store.getAllKeys()), requestResult(store.getAll() as IDBRequest<unknown[]>)])
  const mirror = new MemoryBackend()
  let seq = 0
  for (let i = 0; i < keys.length; i++) {
    const id = keys[i]
    const record = values[i]
    if (typeof id !== 'string' || !isStoredRecord(record)) throw new CorruptStoreError(name, `record ${String(id)} is damaged`)
    if (record.seq !== undefined) seq = Math.max(seq, record.seq)
    try {
      await mirror.put(id, record.entry, record.status)
    } catch (err) {
      throw new CorruptStoreError(name, `entry ${id} does not verify`, { cause: err })
    }
  }
  return { mirror, seq }
}
