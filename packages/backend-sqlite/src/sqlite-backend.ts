/**
 * @module
 * `SqliteBackend`: every entry, status, local key, metadata value and state
 * checkpoint in one SQLite file (WAL mode), through better-sqlite3. Each
 * write is one SQLite transaction, so it is stored whole or not at all and
 * is on disk when its promise resolves. Graph questions are answered from an
 * in-memory index per database (`IndexedBackend`), loaded from a compact
 * graph column on first use and kept current by this handle's writes and by
 * polling `PRAGMA data_version` for other processes' writes (which `watch`
 * also reports).
 *
 * Entries (schema version 3) sit in a rowid table in `seq` order, `seq`
 * being the change order: a new entry is appended at the table's end, a
 * status change moves its row to the next `seq`; `id` has a unique index.
 *
 * Heads (schema version 2 on): tips, store tips and heights of a regular
 * database are also kept in SQL, in the transaction of each write that
 * makes an entry verified, so a reopened file answers them without loading
 * its whole graph (reopen + first read stays flat as history grows). A
 * database is regular while every entry became verified after its main
 * parents (verified entries of that database) and its store parents
 * (verified members of that store), and none left `verified`: then an
 * entry's height never changes, a new entry has no verified child yet, and
 * the tips are the old tips minus its parents plus itself. Anything else (an
 * entry arriving before its parents, a status change away from `verified`,
 * a database written by schema version 1) marks it irregular for good, and
 * it is answered from the graph index as before.
 */
import BetterSqlite3 from 'better-sqlite3'
import {
  BackendClosedError,
  CHECKPOINTS_KEPT,
  CorruptStoreError,
  EngramError,
  EntryNotFoundError,
  IndexedBackend,
  StorageError,
  StorageFullError,
  assertBytes,
  assertCheckpoint,
  assertStatus,
  assertString,
  checkPut,
  compareIds,
  parseStoredEntry,
  storedSkeleton,
  entrySkeleton,
  entryTree,
  graphText,
  isRootEntry,
  skeletonFromGraphText,
  type ChangedEntry,
  type Checkpoint,
  type CheckpointBackend,
  type Entry,
  type Id,
  type InsertingBackend,
  type VerificationStatus,
  type WatchableBackend,
} from '@engram/backend-api'
import { STATUS_CODE, STATUS_NAME, prepareSchema } from './schema.js'

/** Options of {@link SqliteBackend.open}. */
export interface SqliteBackendOptions {
  /**
   * `'normal'` (default): a resolved write survives the process being killed
   * at any moment; after a power cut or OS crash the file is intact but the
   * last writes before it may be missing. `'full'`: every write is also
   * flushed to the disk before it resolves (survives power loss; each write
   * then costs a disk flush, often milliseconds).
   */
  synchronous?: 'normal' | 'full'
  /** A size limit for the file (rounded down to whole pages): a write beyond it fails with `STORAGE_FULL`. */
  maxSizeBytes?: number
  /** How often `watch` looks for other processes' writes, in ms (default 50). */
  watchIntervalMs?: number
  /** How long a write waits for another process's write lock before `STORAGE_ERROR`, in ms (default 5000). */
  busyTimeoutMs?: number
}

interface Row {
  id: Id
  tree: Id
  status: number
  seq: number
  graph: string
}

type Statement = BetterSqlite3.Statement

/** The `store` of main tips in the `heads` table (a control character: no store name holds one). */
const MAIN = '\u0001'

/** Whether a graph record ({@link graphText}) has a node for `store`. */
function holdsStore(graph: string, store: string): boolean {
  try {
    const parsed = JSON.parse(graph) as [unknown, [string, unknown][]]
    return Array.isArray(parsed[1]) && parsed[1].some((s) => Array.isArray(s) && s[0] === store)
  } catch {
    return false
  }
}

/** Turns a better-sqlite3 failure into a typed error; anything else passes through. */
function storageError(err: unknown, path: string): unknown {
  if (err instanceof EngramError || err instanceof TypeError || err instanceof RangeError) return err
  const code = (err as { code?: unknown }).code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err
  if (code === 'SQLITE_FULL') return new StorageFullError(`${path}: the disk or the size limit is full; nothing of this write was stored`, { cause: err })
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return new CorruptStoreError(path, 'the file is damaged', { cause: err })
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new StorageError(`${path}: another process held the write lock too long`, { cause: err })
  return new StorageError(`${path}: ${(err as Error).message}`, { cause: err })
}

/**
 * An Engram backend in one SQLite file. `await SqliteBackend.open(path)`
 * creates or opens it; `close()` releases it. Several processes may open one
 * file: each sees the others' writes, and `watch` reports them.
 *
 * The file holds the local keys (the device key, passwordless users' keys)
 * unencrypted: protect it like a private key.
 */
export class SqliteBackend extends IndexedBackend implements InsertingBackend, WatchableBackend, CheckpointBackend {
  readonly path: string
  readonly #db: BetterSqlite3.Database
  readonly #s: Record<string, Statement>
  /** Inserts a verified entry and keeps the heads, in one transaction. */
  readonly #putVerified: BetterSqlite3.Transaction<(id: Id, tree: Id, isRoot: number, graph: string, body: string, skeleton: Entry) => number | undefined>
  /** Changes a status and keeps the heads, in one transaction. */
  readonly #setStatusTx: BetterSqlite3.Transaction<(id: Id, code: number) => { seq: number; tree: Id; graph: string; height: number | null } | undefined>
  readonly #watchIntervalMs: number
  #closed = false
  /** `PRAGMA data_version` when other processes' writes were last taken in. */
  #dataVersion: number
  /** Every change with `seq` at or below this has been taken in. */
  #seenSeq: number
  /** Sequence numbers of this handle's own writes above `#seenSeq` (not reported to watchers). */
  readonly #ownSeqs = new Set<number>()
  readonly #watchers = new Set<(entries: ChangedEntry[]) => void>()
  #timer: ReturnType<typeof setInterval> | undefined

  private constructor(path: string, db: BetterSqlite3.Database, options: SqliteBackendOptions) {
    super()
    this.path = path
    this.#db = db
    this.#watchIntervalMs = options.watchIntervalMs ?? 50
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      insert: p(
        // `seq` is the rowid: the next one, a write appended to the table's end.
        'INSERT INTO entries (id, tree, status, is_root, graph, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq',
      ),
      setStatus: p('UPDATE entries SET status = ?, seq = (SELECT max(seq) + 1 FROM entries) WHERE id = ? AND status <> ? RETURNING seq, tree, graph, height'),
      body: p('SELECT body FROM entries WHERE id = ?'),
      verifiedBody: p('SELECT body FROM entries WHERE id = ? AND status = 0'),
      has: p('SELECT 1 FROM entries WHERE id = ?'),
      status: p('SELECT status FROM entries WHERE id = ?'),
      // `status <> 0` lets the unsettled-only index serve the query; verified ids are a scan (rarely asked).
      byStatus: p('SELECT id FROM entries WHERE status = ? AND status <> 0'),
      verifiedIds: p('SELECT id FROM entries WHERE status = 0'),
      treeIds: p('SELECT id FROM entries WHERE tree = ?'),
      roots: p('SELECT id FROM entries WHERE is_root = 1'),
      // In the order entries became verified (parents first): the index then builds in one pass.
      graph: p('SELECT id, graph FROM entries WHERE tree = ? AND status = 0 ORDER BY seq'),
      since: p('SELECT id, tree, status, seq, graph FROM entries WHERE seq > ? ORDER BY seq'),
      maxSeq: p('SELECT coalesce(max(seq), 0) FROM entries'),
      putKey: p('INSERT INTO local_keys (name, key) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET key = excluded.key'),
      getKey: p('SELECT key FROM local_keys WHERE name = ?'),
      listKeys: p('SELECT name FROM local_keys'),
      deleteKey: p('DELETE FROM local_keys WHERE name = ?'),
      getMeta: p('SELECT value FROM metadata WHERE key = ?'),
      setMeta: p('INSERT INTO metadata (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      putCheckpoint: p(
        'INSERT INTO checkpoints (tree, store, kind, tips, height, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tree, store, kind, tips) DO UPDATE SET height = excluded.height, data = excluded.data',
      ),
      pruneCheckpoints: p(
        'DELETE FROM checkpoints WHERE tree = ? AND store = ? AND kind = ? AND tips NOT IN (SELECT tips FROM checkpoints WHERE tree = ? AND store = ? AND kind = ? ORDER BY height DESC, tips LIMIT ?)',
      ),
      getCheckpoints: p('SELECT tips, height, data FROM checkpoints WHERE tree = ? AND store = ? AND kind = ? ORDER BY height DESC, tips LIMIT ?'),
      deleteTreeCheckpoints: p('DELETE FROM checkpoints WHERE tree = ?'),
      deleteStoreCheckpoints: p('DELETE FROM checkpoints WHERE tree = ? AND store = ?'),
      parentRow: p('SELECT tree, status, height, graph FROM entries WHERE id = ?'),
      shape: p('SELECT irregular FROM shapes WHERE tree = ?'),
      setShape: p('INSERT INTO shapes (tree, irregular) VALUES (?, ?) ON CONFLICT (tree) DO UPDATE SET irregular = max(irregular, excluded.irregular)'),
      setHeight: p('UPDATE entries SET height = ? WHERE id = ?'),
      dropHead: p('DELETE FROM heads WHERE tree = ? AND store = ? AND id = ?'),
      addHead: p('INSERT INTO heads (tree, store, id, height) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      heads: p('SELECT id, height FROM heads WHERE tree = ? AND store = ?'),
      heightOf: p('SELECT tree, status, height FROM entries WHERE id = ?'),
    }
    this.#s.shape!.pluck()
    this.#putVerified = db.transaction((id: Id, tree: Id, isRoot: number, graph: string, body: string, skeleton: Entry): number | undefined => {
      const seq = (this.#s.insert!.all(id, tree, STATUS_CODE.verified, isRoot, graph, body) as number[])[0]
      if (seq !== undefined) this.#becameVerified(tree, id, skeleton, isRoot === 1)
      return seq
    })
    this.#setStatusTx = db.transaction((id: Id, code: number): { seq: number; tree: Id; graph: string; height: number | null } | undefined => {
      const row = (this.#s.setStatus!.all(code, id, code) as { seq: number; tree: Id; graph: string; height: number | null }[])[0]
      if (row === undefined) return undefined
      if (code === STATUS_CODE.verified) this.#becameVerified(row.tree, id, skeletonFromGraphText(row.graph, row.tree), id === row.tree)
      else if (row.height !== null) this.#s.setShape!.run(row.tree, 1) // a verified entry of a regular database left `verified`
      return row
    })
    this.#s.maxSeq!.pluck()
    this.#s.insert!.pluck()
    for (const name of ['byStatus', 'verifiedIds', 'treeIds', 'roots', 'listKeys', 'has', 'status', 'body', 'verifiedBody', 'getKey', 'getMeta'] as const) this.#s[name]!.pluck()
    this.#dataVersion = db.pragma('data_version', { simple: true }) as number
    this.#seenSeq = this.#s.maxSeq!.get() as number
  }

  /**
   * Creates the file (and its schema) or opens an existing Engram file.
   * @throws CorruptStoreError (`CORRUPT_STORE`) when the file is not an Engram
   * store; UnsupportedFormatError (`UNSUPPORTED_FORMAT`) when a newer Engram
   * wrote it (both leave the file untouched); StorageError (`STORAGE_ERROR`)
   * when it cannot be opened (missing folder, permissions).
   */
  static async open(path: string, options: SqliteBackendOptions = {}): Promise<SqliteBackend> {
    assertString(path, 'path')
    if (path === '' || path === ':memory:') throw new RangeError('path must name a file')
    let db: BetterSqlite3.Database
    try {
      db = new BetterSqlite3(path)
    } catch (err) {
      // better-sqlite3 reports a missing folder as a TypeError; the arguments were checked above.
      throw new StorageError(`cannot open ${path}: ${(err as Error).message}`, { cause: err })
    }
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
      prepareSchema(db, path)
      db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
      if (options.maxSizeBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxSizeBytes / pageSize))}`)
      }
      return new SqliteBackend(path, db, options)
    } catch (err) {
      db.close()
      throw storageError(err, path)
    }
  }

  /** Closes the file. Idempotent; any later call → `BACKEND_CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.#watchers.clear()
    this.clearIndexes()
    this.#db.close()
  }

  /** Runs `fn` on the open file, turning SQLite failures into typed errors. */
  #run<T>(fn: () => T): T {
    if (this.#closed) throw new BackendClosedError()
    try {
      return fn()
    } catch (err) {
      throw storageError(err, this.path)
    }
  }

  #ownWrite(seq: number): void {
    if (seq === this.#seenSeq + 1 && this.#ownSeqs.size === 0) this.#seenSeq = seq
    else this.#ownSeqs.add(seq)
  }

  // ---- entries --------------------------------------------------------------

  async put(id: Id, entry: Entry, status: VerificationStatus): Promise<void> {
    this.#insert(id, entry, status)
  }

  async insert(id: Id, entry: Entry, status: VerificationStatus): Promise<boolean> {
    return this.#insert(id, entry, status)
  }

  /** Stores the entry unless its id is stored; whether this call stored it. */
  #insert(id: Id, entry: Entry, status: VerificationStatus): boolean {
    const checked = checkPut(id, entry, status)
    const tree = entryTree(id, checked)
    return this.#run(() => {
      const isRoot = isRootEntry(checked) ? 1 : 0
      if (status === 'verified') {
        const skeleton = entrySkeleton(checked)
        const seq = this.#putVerified.immediate(id, tree, isRoot, graphText(checked), JSON.stringify(checked), skeleton)
        if (seq === undefined) return false
        this.#ownWrite(seq)
        this.indexAdded(tree, id, skeleton)
        return true
      }
      const seq = (this.#s.insert!.all(id, tree, STATUS_CODE[status], isRoot, graphText(checked), JSON.stringify(checked)) as number[])[0]
      if (seq === undefined) return false
      this.#ownWrite(seq)
      return true
    })
  }

  async get(id: Id): Promise<Entry> {
    assertString(id, 'id')
    const body = this.#run(() => this.#s.body!.get(id) as string | undefined)
    if (body === undefined) throw new EntryNotFoundError(id)
    return parseStoredEntry(this.path, id, body)
  }

  async has(id: Id): Promise<boolean> {
    assertString(id, 'id')
    return this.#run(() => this.#s.has!.get(id) !== undefined)
  }

  async getStatus(id: Id): Promise<VerificationStatus> {
    assertString(id, 'id')
    const code = this.#run(() => this.#s.status!.get(id) as number | undefined)
    if (code === undefined) throw new EntryNotFoundError(id)
    return STATUS_NAME[code] ?? this.#badStatus(id)
  }

  #badStatus(id: Id): never {
    throw new CorruptStoreError(this.path, `the stored status of ${id} is unknown`)
  }

  async setStatus(id: Id, status: VerificationStatus): Promise<void> {
    assertStatus(status)
    assertString(id, 'id')
    this.#run(() => {
      const code = STATUS_CODE[status]
      const row = this.#setStatusTx.immediate(id, code)
      if (row === undefined) {
        if (this.#s.has!.get(id) === undefined) throw new EntryNotFoundError(id)
        return
      }
      this.#ownWrite(row.seq)
      if (status === 'verified') this.indexAdded(row.tree, id, skeletonFromGraphText(row.graph, row.tree))
      else this.indexDropped(row.tree)
    })
  }

  async idsByStatus(status: VerificationStatus): Promise<Id[]> {
    const wanted = assertStatus(status)
    const ids = this.#run(() => (wanted === 'verified' ? this.#s.verifiedIds!.all() : this.#s.byStatus!.all(STATUS_CODE[wanted]))) as Id[]
    return ids.sort(compareIds)
  }

  async treeEntryIds(tree: Id): Promise<Id[]> {
    assertString(tree, 'tree')
    return this.#run(() => this.#s.treeIds!.all(tree)) as Id[]
  }

  async rootIds(): Promise<Id[]> {
    return (this.#run(() => this.#s.roots!.all()) as Id[]).sort(compareIds)
  }

  // ---- local keys and metadata ----------------------------------------------

  async putLocalKey(name: string, key: Uint8Array): Promise<void> {
    assertString(name, 'name')
    const copy = Buffer.from(assertBytes(key, 'key'))
    this.#run(() => this.#s.putKey!.run(name, copy))
  }

  async getLocalKey(name: string): Promise<Uint8Array | undefined> {
    assertString(name, 'name')
    const key = this.#run(() => this.#s.getKey!.get(name) as Buffer | undefined)
    return key === undefined ? undefined : new Uint8Array(key)
  }

  async listLocalKeys(): Promise<string[]> {
    return (this.#run(() => this.#s.listKeys!.all()) as string[]).sort(compareIds)
  }

  async deleteLocalKey(name: string): Promise<void> {
    assertString(name, 'name')
    this.#run(() => this.#s.deleteKey!.run(name))
  }

  async getMetadata(key: string): Promise<string | undefined> {
    assertString(key, 'key')
    return this.#run(() => this.#s.getMeta!.get(key) as string | undefined)
  }

  async setMetadata(key: string, value: string): Promise<void> {
    assertString(key, 'key')
    assertString(value, 'value')
    this.#run(() => this.#s.setMeta!.run(key, value))
  }

  // ---- checkpoints ------------------------------------------------------------

  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const c = assertCheckpoint(checkpoint)
    const tips = c.tips.join(',')
    this.#run(() =>
      this.#db.transaction(() => {
        this.#s.putCheckpoint!.run(c.tree, c.store, c.kind, tips, c.height, c.data)
        this.#s.pruneCheckpoints!.run(c.tree, c.store, c.kind, c.tree, c.store, c.kind, CHECKPOINTS_KEPT)
      })(),
    )
  }

  async getCheckpoints(tree: Id, store: string, kind: string, limit = 1): Promise<Checkpoint[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    assertString(kind, 'kind')
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer')
    const rows = this.#run(() => this.#s.getCheckpoints!.all(tree, store, kind, limit)) as { tips: string; height: number; data: string }[]
    return rows.map((r) => ({ tree, store, kind, tips: r.tips.split(','), height: r.height, data: r.data }))
  }

  async deleteCheckpoints(tree: Id, store?: string): Promise<void> {
    assertString(tree, 'tree')
    if (store === undefined) this.#run(() => this.#s.deleteTreeCheckpoints!.run(tree))
    else this.#run(() => this.#s.deleteStoreCheckpoints!.run(tree, assertString(store, 'store')))
  }

  // ---- heads: tips and heights in SQL (see the module comment) ------------------

  /** Keeps the heads for an entry of `tree` that just became verified (inside its write transaction). */
  #becameVerified(tree: Id, id: Id, skeleton: Entry, isRoot: boolean): void {
    const s = this.#s
    let shape = s.shape!.get(tree) as number | undefined
    if (shape === undefined) {
      // A database starts regular with its root; anything verified before its root makes it irregular.
      shape = isRoot ? 0 : 1
      s.setShape!.run(tree, shape)
    }
    if (shape !== 0) return
    const rows = new Map<Id, { tree: Id; status: number; height: number | null; graph: string } | undefined>()
    const row = (p: Id) => {
      if (!rows.has(p)) rows.set(p, s.parentRow!.get(p) as { tree: Id; status: number; height: number | null; graph: string } | undefined)
      return rows.get(p)
    }
    const irregular = () => void s.setShape!.run(tree, 1)
    let height = 0
    for (const p of skeleton.tree.parents) {
      const r = row(p)
      if (r === undefined || r.tree !== tree || r.status !== 0 || r.height === null) return irregular()
      height = Math.max(height, r.height + 1)
    }
    for (const sub of skeleton.subtrees)
      for (const p of sub.parents) {
        const r = row(p)
        if (r === undefined || r.tree !== tree || r.status !== 0 || r.height === null || !holdsStore(r.graph, sub.name)) return irregular()
      }
    s.setHeight!.run(height, id)
    for (const p of skeleton.tree.parents) s.dropHead!.run(tree, MAIN, p)
    s.addHead!.run(tree, MAIN, id, height)
    for (const sub of skeleton.subtrees) {
      for (const p of sub.parents) s.dropHead!.run(tree, sub.name, p)
      s.addHead!.run(tree, sub.name, id, height)
    }
  }

  /** The heads of `store` (MAIN: the tips) of a regular database, sorted as the index sorts them; `undefined` when the index is loaded or the database is not regular. */
  #headsOf(tree: Id, store: string): Id[] | undefined {
    if (this.hasIndex(tree)) return undefined
    this.#takeIn()
    return this.#run(() => {
      if (this.#s.shape!.get(tree) !== 0) return undefined
      const rows = this.#s.heads!.all(tree, store) as { id: Id; height: number }[]
      rows.sort((a, b) => a.height - b.height || compareIds(a.id, b.id))
      return rows.map((r) => r.id)
    })
  }

  override async getTips(tree: Id): Promise<Id[]> {
    assertString(tree, 'tree')
    return this.#headsOf(tree, MAIN) ?? super.getTips(tree)
  }

  override async getStoreTips(tree: Id, store: string): Promise<Id[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    return this.#headsOf(tree, store) ?? super.getStoreTips(tree, store)
  }

  override async getHeight(tree: Id, id: Id): Promise<number> {
    assertString(tree, 'tree')
    assertString(id, 'id')
    if (!this.hasIndex(tree)) {
      this.#takeIn()
      const height = this.#run(() => {
        if (this.#s.shape!.get(tree) !== 0) return undefined
        const r = this.#s.heightOf!.get(id) as { tree: Id; status: number; height: number | null } | undefined
        return r !== undefined && r.tree === tree && r.status === 0 && r.height !== null ? r.height : undefined
      })
      if (height !== undefined) return height
    }
    return super.getHeight(tree, id)
  }

  // ---- graph index and other processes' writes ----------------------------------

  protected override async loadGraph(tree: Id): Promise<Map<Id, Entry>> {
    const rows = this.#run(() => this.#s.graph!.all(tree)) as { id: Id; graph: string }[]
    const out = new Map<Id, Entry>()
    for (const r of rows) out.set(r.id, storedSkeleton(this.path, r.graph, tree))
    return out
  }

  protected override async readVerified(ids: readonly Id[]): Promise<Entry[]> {
    return this.#run(() =>
      ids.map((id) => {
        const body = this.#s.verifiedBody!.get(id) as string | undefined
        if (body === undefined) throw new EntryNotFoundError(id)
        return parseStoredEntry(this.path, id, body)
      }),
    )
  }

  protected override async refresh(): Promise<void> {
    this.#takeIn()
  }

  /** Takes in other processes' writes when the file changed since the last look; reports them to watchers. */
  #takeIn(): void {
    if (this.#closed) throw new BackendClosedError()
    const version = this.#run(() => this.#db.pragma('data_version', { simple: true }) as number)
    if (version === this.#dataVersion) return
    this.#dataVersion = version
    const rows = this.#run(() => this.#s.since!.all(this.#seenSeq)) as Row[]
    const changed: ChangedEntry[] = []
    for (const r of rows) {
      this.#seenSeq = Math.max(this.#seenSeq, r.seq)
      if (this.#ownSeqs.delete(r.seq)) continue
      const status = STATUS_NAME[r.status] ?? this.#badStatus(r.id)
      this.noteChanged(r.tree, r.id, status === 'verified', () => storedSkeleton(this.path, r.graph, r.tree))
      changed.push({ id: r.id, tree: r.tree, status })
    }
    if (changed.length === 0) return
    for (const w of [...this.#watchers]) {
      try {
        w(changed.map((c) => ({ ...c })))
      } catch {
        // a watcher's failure is its own
      }
    }
  }

  watch(onEntries: (entries: ChangedEntry[]) => void): () => void {
    if (typeof onEntries !== 'function') throw new TypeError('onEntries must be a function')
    if (this.#closed) throw new BackendClosedError()
    this.#watchers.add(onEntries)
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => {
        try {
          this.#takeIn()
        } catch {
          // a failed look is retried at the next tick
        }
      }, this.#watchIntervalMs)
      this.#timer.unref?.()
    }
    return () => {
      this.#watchers.delete(onEntries)
      if (this.#watchers.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer)
        this.#timer = undefined
      }
    }
  }
}
