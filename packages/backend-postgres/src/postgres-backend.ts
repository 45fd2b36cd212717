/**
 * @module
 * `PostgresBackend`: an Engram instance in one schema of a PostgreSQL
 * server, shared by any number of processes. Every write is one statement
 * (one round trip, atomic), sent as a named prepared statement. Each
 * database (`tree`) has a version counter bumped by every write to it under
 * its row lock, so versions follow commit order; each entry row carries the
 * version that last wrote it. Graph questions are answered from an
 * in-memory index per database (`IndexedBackend`), brought up to date
 * before each answer by one query for the rows above the version it has
 * seen. `watch` listens on a per-schema NOTIFY channel that every write
 * signals.
 *
 * Heads (schema version 2): tips, store tips and heights of a regular
 * database are also kept in SQL, by the write that makes an entry verified
 * (the `engram_put` and `engram_set_status` functions, schema.ts), so a new
 * connection answers them with one query instead of loading the whole graph
 * (reopen + first read stays flat as history grows). A database is regular
 * while every entry became verified after its main parents (verified
 * entries of that database) and its store parents (verified members of
 * that store), and none left `verified`: then an entry's height never
 * changes, a new entry has no verified child yet, and the tips are the old
 * tips minus its parents plus itself. Anything else (an entry verified
 * before its parents, a status leaving `verified`, a database written by
 * schema version 1) marks it irregular for good, and it is answered from
 * the graph index as before. Writes to one database hold its `trees` row
 * lock, and the functions read with a fresh snapshot after taking it, so
 * concurrent writers from several processes keep the heads right.
 */
import pg from 'pg'
import {
  BackendClosedError,
  CHECKPOINTS_KEPT,
  ConnectionLostError,
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
  type ChangedEntry,
  type Checkpoint,
  type CheckpointBackend,
  type Entry,
  type Id,
  type InsertingBackend,
  type VerificationStatus,
  type WatchableBackend,
} from '@engram/backend-api'
import { ident, prepareSchema } from './schema.js'

/** Options of {@link PostgresBackend.connect}. */
export interface PostgresBackendOptions {
  /** `postgres://user:password@host:port/database`. */
  connectionString: string
  /** The SQL schema holding this instance (default `engram`); created and migrated on first use. */
  schema?: string
  /** Connections in the pool (default 10). */
  poolSize?: number
  /**
   * `true` (default): a write resolves once the server has flushed it to
   * disk, so an acknowledged write survives a server crash. `false` sets
   * PostgreSQL's `synchronous_commit = off` on this pool's connections: a
   * write resolves before that flush (a commit costs less), and a server
   * crash may lose the writes of its last moments (up to about three times
   * `wal_writer_delay`, 600 ms by default); what remains is consistent, and
   * a crash of this process alone loses nothing acknowledged.
   */
  synchronousCommit?: boolean
}

const STATUS_CODE = { verified: 0, unverified: 1, failed: 2 } as const
/** The `store` of main tips in the `heads` table (a control character: no store name holds one). */
const MAIN = '\u0001'
const STATUS_NAME = ['verified', 'unverified', 'failed'] as const

const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND'])

/** Turns a pg failure into a typed error; Engram and argument errors pass through. */
export function storageError(err: unknown, where: string): unknown {
  if (err instanceof EngramError || err instanceof TypeError || err instanceof RangeError) return err
  const code = (err as { code?: unknown }).code
  const message = err instanceof Error ? err.message : String(err)
  if (code === '53100') return new StorageFullError(`${where}: the server's disk is full; nothing of this write was stored`, { cause: err })
  if ((typeof code === 'string' && CONNECTION_CODES.has(code)) || /Connection terminated|connection ended|Client has encountered a connection error/i.test(message))
    return new ConnectionLostError(`${where}: the connection to the server was lost (${message}); the next call reconnects`, { cause: err })
  return new StorageError(`${where}: ${message}`, { cause: err })
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8')
const text = (b: Buffer): string => b.toString('utf8')
/** PostgreSQL text cannot hold NUL: no stored id contains one. */
const storable = (id: string): boolean => !id.includes('\u0000')

interface ChangeRow {
  id: Id
  status: number
  seq: string
  graph: string
}

/**
 * An Engram backend in a PostgreSQL schema. `await
 * PostgresBackend.connect({ connectionString, schema? })`; `close()` ends
 * the pool. Several processes may connect to one schema: each sees the
 * others' writes, and `watch` reports them.
 *
 * The schema holds the local keys (the device key, passwordless users' keys)
 * unencrypted: restrict who can read it.
 */
export class PostgresBackend extends IndexedBackend implements InsertingBackend, WatchableBackend, CheckpointBackend {
  readonly schema: string
  readonly #pool: pg.Pool
  readonly #connectionString: string
  readonly #t: Record<string, string>
  readonly #channel: string
  #closed = false
  /** Per database: every change with a version at or below this was taken in. */
  readonly #seen = new Map<Id, number>()
  /** `tree\0version` of this handle's own writes not yet passed by `#seen`. */
  readonly #own = new Set<string>()
  readonly #watchers = new Set<(entries: ChangedEntry[]) => void>()
  #listener: pg.Client | undefined
  #listening: Promise<void> | undefined
  /** Serialises take-ins, so none is reported twice. */
  #takeInChain: Promise<unknown> = Promise.resolve()
  /** `id\0status` of this handle's writes in flight (`#writing`), with counts. */
  readonly #inFlight = new Map<string, number>()
  /** Whether one pooled connection is kept checked out between statements (`#onKept`). */
  readonly #keepOne: boolean
  #kept: pg.PoolClient | undefined
  #keptBusy = false

  private constructor(pool: pg.Pool, options: PostgresBackendOptions, schema: string) {
    super()
    this.#pool = pool
    this.#keepOne = (options.poolSize ?? 10) >= 2
    this.#connectionString = options.connectionString
    this.schema = schema
    this.#channel = `engram:${schema}`
    const s = ident(schema)
    this.#t = {
      // The functions schema version 2 created (schema.ts): one statement each, the heads kept inside.
      put: `SELECT ${s}.engram_put($1, $2, $3::smallint, $4, $5, $6, $7, $8, $9, $10, $11) AS seq`,
      setStatus: `SELECT seq, tree, graph FROM ${s}.engram_set_status($1, $2::smallint, $3)`,
      body: `SELECT body FROM ${s}.entries WHERE id = $1`,
      bodies: `SELECT id, body FROM ${s}.entries WHERE id = ANY($1) AND status = 0`,
      status: `SELECT status FROM ${s}.entries WHERE id = $1`,
      // `status <> 0` lets the unsettled-only index serve it; verified ids are a scan (rarely asked).
      byStatus: `SELECT id FROM ${s}.entries WHERE status = $1 AND status <> 0`,
      verifiedIds: `SELECT id FROM ${s}.entries WHERE status = 0`,
      heads: `SELECT t.version, t.shape, h.id, h.height FROM ${s}.trees t LEFT JOIN ${s}.heads h ON h.tree = t.tree AND h.store = $2 WHERE t.tree = $1`,
      height: `SELECT t.version, t.shape, e.status, e.height FROM ${s}.trees t LEFT JOIN ${s}.entries e ON e.id = $2 AND e.tree = t.tree WHERE t.tree = $1`,
      treeIds: `SELECT id FROM ${s}.entries WHERE tree = $1`,
      roots: `SELECT id FROM ${s}.entries WHERE is_root`,
      graph: `SELECT t.version, e.id, e.graph FROM ${s}.trees t LEFT JOIN ${s}.entries e ON e.tree = t.tree AND e.status = 0 WHERE t.tree = $1 ORDER BY e.seq`,
      since: `SELECT id, status, seq, graph FROM ${s}.entries WHERE tree = $1 AND seq > $2 ORDER BY seq`,
      versions: `SELECT tree, version FROM ${s}.trees`,
      putKey: `INSERT INTO ${s}.local_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET key = excluded.key`,
      getKey: `SELECT key FROM ${s}.local_keys WHERE name = $1`,
      listKeys: `SELECT name FROM ${s}.local_keys`,
      deleteKey: `DELETE FROM ${s}.local_keys WHERE name = $1`,
      getMeta: `SELECT value FROM ${s}.metadata WHERE key = $1`,
      setMeta: `INSERT INTO ${s}.metadata (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      putCheckpoint: `WITH up AS (
          INSERT INTO ${s}.checkpoints (tree, store, kind, tips, height, data) VALUES ($1, $2, $3, $4, $5, $6)
          ON CONFLICT (tree, store, kind, tips) DO UPDATE SET height = excluded.height, data = excluded.data RETURNING 1
        )
        DELETE FROM ${s}.checkpoints WHERE tree = $1 AND store = $2 AND kind = $3 AND tips <> $4 AND tips NOT IN (
          SELECT tips FROM ${s}.checkpoints WHERE tree = $1 AND store = $2 AND kind = $3 ORDER BY height DESC, tips COLLATE "C" LIMIT $7
        )`,
      getCheckpoints: `SELECT tips, height, data FROM ${s}.checkpoints WHERE tree = $1 AND store = $2 AND kind = $3 ORDER BY height DESC, tips COLLATE "C" LIMIT $4`,
      deleteTreeCheckpoints: `DELETE FROM ${s}.checkpoints WHERE tree = $1`,
      deleteStoreCheckpoints: `DELETE FROM ${s}.checkpoints WHERE tree = $1 AND store = $2`,
    }
  }

  /**
   * Connects (a pool) and creates or migrates the schema.
   * @throws ConnectionLostError (`CONNECTION_LOST`) when the server cannot be
   * reached; CorruptStoreError (`CORRUPT_STORE`) when the schema holds another
   * program's tables; UnsupportedFormatError (`UNSUPPORTED_FORMAT`) when a
   * newer Engram wrote it (both change nothing).
   */
  static async connect(options: PostgresBackendOptions): Promise<PostgresBackend> {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
    assertString(options.connectionString, 'connectionString')
    const schema = options.schema === undefined ? 'engram' : assertString(options.schema, 'schema')
    if (schema === '' || schema.length > 50 || schema.includes('\u0000')) throw new RangeError('schema must be 1 to 50 characters, without NUL')
    if (options.synchronousCommit !== undefined && typeof options.synchronousCommit !== 'boolean') throw new TypeError('synchronousCommit must be a boolean')
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 })
    // Queued on each new connection before anything this backend sends on it.
    if (options.synchronousCommit === false) pool.on('connect', (client) => void client.query('SET synchronous_commit = off').catch(() => {}))
    pool.on('error', () => {}) // an idle connection that drops is replaced on next use
    try {
      const client = await pool.connect()
      try {
        await prepareSchema(client, schema)
      } finally {
        client.release()
      }
    } catch (err) {
      await pool.end().catch(() => {})
      throw storageError(err, `schema ${schema}`)
    }
    const backend = new PostgresBackend(pool, options, schema)
    // Every write from now on is "new" to this handle: the starting point of `watch` and of the indexes.
    for (const r of await backend.#q<{ tree: Id; version: string }>('versions', [])) backend.#seen.set(r.tree, Number(r.version))
    return backend
  }

  /** Ends the pool and the listener. Idempotent; any later call → `BACKEND_CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#watchers.clear()
    this.clearIndexes()
    const listener = this.#listener
    this.#listener = undefined
    const kept = this.#kept
    this.#kept = undefined
    kept?.release()
    await Promise.all([this.#pool.end().catch(() => {}), listener?.end().catch(() => {})])
  }

  /**
   * Runs the statement `key` of `#t` as a named prepared statement (each
   * pooled connection parses and plans it once; later runs send only the
   * parameters), on the kept connection when it is free, else through the
   * pool.
   */
  async #q<R extends pg.QueryResultRow>(key: string, params: unknown[]): Promise<R[]> {
    if (this.#closed) throw new BackendClosedError()
    const query = { name: `engram_${key}`, text: this.#t[key]!, values: params }
    if (this.#keepOne && !this.#keptBusy) return this.#onKept<R>(query)
    try {
      return (await this.#pool.query<R>(query)).rows
    } catch (err) {
      if (this.#closed) throw new BackendClosedError()
      throw storageError(err, `schema ${this.schema}`)
    }
  }

  /**
   * Runs a statement on a pooled connection this backend keeps checked out
   * between statements: a sequence of calls (a commit after a commit) skips
   * the pool's checkout and release, measured at 20-30 µs a statement here.
   * Only with two or more connections, so the pool always has one for
   * statements that arrive while this one is busy. A connection that fails
   * is given back to be discarded; the next statement checks out another.
   */
  async #onKept<R extends pg.QueryResultRow>(query: pg.QueryConfig): Promise<R[]> {
    this.#keptBusy = true
    let client: pg.PoolClient | undefined
    try {
      client = this.#kept ?? (await this.#keep())
      return (await client.query<R>(query)).rows
    } catch (err) {
      // The server refused the statement (an SQLSTATE that is not a connection failure): the connection is fine.
      const code = (err as { code?: unknown }).code
      const refused = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !CONNECTION_CODES.has(code)
      if (client !== undefined && this.#kept === client && !refused) this.#dropKept(err)
      throw this.#closed ? new BackendClosedError() : storageError(err, `schema ${this.schema}`)
    } finally {
      this.#keptBusy = false
    }
  }

  async #keep(): Promise<pg.PoolClient> {
    const client = await this.#pool.connect()
    if (this.#closed) {
      client.release()
      throw new BackendClosedError()
    }
    // A checked-out connection's errors are not the pool's to catch: one that drops while idle is discarded.
    client.on('error', (err) => {
      if (this.#kept === client) this.#dropKept(err)
    })
    this.#kept = client
    return client
  }

  #dropKept(err: unknown): void {
    const client = this.#kept
    this.#kept = undefined
    client?.release(err instanceof Error ? err : new Error(String(err)))
  }

  /**
   * Marks a write of `id` with status `code` as this handle's own while it
   * is in flight: a take-in that reads its row before the write's response
   * arrives (the NOTIFY, or another answer, can come first) does not report
   * it as another process's.
   */
  async #writing<T>(id: Id, code: number, write: Promise<T>): Promise<T> {
    const key = `${id}\u0000${code}`
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1)
    try {
      return await write
    } finally {
      const left = this.#inFlight.get(key)! - 1
      if (left === 0) this.#inFlight.delete(key)
      else this.#inFlight.set(key, left)
    }
  }

  #ownWrite(tree: Id, seq: number): void {
    const seen = this.#seen.get(tree) ?? 0
    if (seq <= seen) return // a take-in already passed it
    if (seq === seen + 1) this.#seen.set(tree, seq)
    else this.#own.add(`${tree}\u0000${seq}`)
  }

  // ---- entries --------------------------------------------------------------

  async put(id: Id, entry: Entry, status: VerificationStatus): Promise<void> {
    await this.insert(id, entry, status)
  }

  async insert(id: Id, entry: Entry, status: VerificationStatus): Promise<boolean> {
    const checked = checkPut(id, entry, status)
    const tree = entryTree(id, checked)
    const rows = await this.#writing(id, STATUS_CODE[status], this.#q<{ seq: string | null }>('put', [
      id,
      tree,
      STATUS_CODE[status],
      isRootEntry(checked),
      graphText(checked),
      JSON.stringify(checked),
      this.#channel,
      // The links again as arrays, for the heads (schema.ts, engram_heads): main parents, stores, store parents as pairs.
      checked.tree.parents,
      checked.subtrees.map((s) => s.name),
      checked.subtrees.flatMap((s) => s.parents.map(() => s.name)),
      checked.subtrees.flatMap((s) => s.parents),
    ]))
    const seq = rows[0]?.seq ?? null
    if (seq === null) return false
    this.#ownWrite(tree, Number(seq))
    if (status === 'verified') this.indexAdded(tree, id, entrySkeleton(checked))
    return true
  }

  async get(id: Id): Promise<Entry> {
    assertString(id, 'id')
    const rows = storable(id) ? await this.#q<{ body: string }>('body', [id]) : []
    if (rows.length === 0) throw new EntryNotFoundError(id)
    return parseStoredEntry(`schema ${this.schema}`, id, rows[0]!.body)
  }

  async has(id: Id): Promise<boolean> {
    assertString(id, 'id')
    return storable(id) && (await this.#q('status', [id])).length > 0
  }

  async getStatus(id: Id): Promise<VerificationStatus> {
    assertString(id, 'id')
    const rows = storable(id) ? await this.#q<{ status: number }>('status', [id]) : []
    if (rows.length === 0) throw new EntryNotFoundError(id)
    const name = STATUS_NAME[rows[0]!.status]
    if (name === undefined) throw new CorruptStoreError(`schema ${this.schema}`, `the stored status of ${id} is unknown`)
    return name
  }

  async setStatus(id: Id, status: VerificationStatus): Promise<void> {
    assertStatus(status)
    assertString(id, 'id')
    if (!storable(id)) throw new EntryNotFoundError(id)
    const rows = await this.#writing(id, STATUS_CODE[status], this.#q<{ seq: string; tree: Id; graph: string }>('setStatus', [id, STATUS_CODE[status], this.#channel])).catch(
      (err: unknown) => {
        // The stored graph record of the entry is not JSON (the function parses it to keep the heads).
        if ((err as StorageError).cause instanceof Error && ((err as StorageError).cause as { code?: unknown }).code === '22P02')
          throw new CorruptStoreError(`schema ${this.schema}`, `the stored graph record of ${id} is damaged`, { cause: err })
        throw err
      },
    )
    if (rows.length === 0) {
      if (!(await this.has(id))) throw new EntryNotFoundError(id)
      return
    }
    const row = rows[0]!
    this.#ownWrite(row.tree, Number(row.seq))
    if (status === 'verified') this.indexAdded(row.tree, id, storedSkeleton(`schema ${this.schema}`, row.graph, row.tree))
    else this.indexDropped(row.tree)
  }

  async idsByStatus(status: VerificationStatus): Promise<Id[]> {
    const wanted = assertStatus(status)
    const rows = wanted === 'verified' ? await this.#q<{ id: Id }>('verifiedIds', []) : await this.#q<{ id: Id }>('byStatus', [STATUS_CODE[wanted]])
    return rows.map((r) => r.id).sort(compareIds)
  }

  async treeEntryIds(tree: Id): Promise<Id[]> {
    assertString(tree, 'tree')
    if (!storable(tree)) return []
    return (await this.#q<{ id: Id }>('treeIds', [tree])).map((r) => r.id)
  }

  async rootIds(): Promise<Id[]> {
    return (await this.#q<{ id: Id }>('roots', [])).map((r) => r.id).sort(compareIds)
  }

  // ---- local keys and metadata ----------------------------------------------

  async putLocalKey(name: string, key: Uint8Array): Promise<void> {
    assertString(name, 'name')
    await this.#q('putKey', [utf8(name), Buffer.from(assertBytes(key, 'key'))])
  }

  async getLocalKey(name: string): Promise<Uint8Array | undefined> {
    assertString(name, 'name')
    const rows = await this.#q<{ key: Buffer }>('getKey', [utf8(name)])
    return rows.length === 0 ? undefined : new Uint8Array(rows[0]!.key)
  }

  async listLocalKeys(): Promise<string[]> {
    return (await this.#q<{ name: Buffer }>('listKeys', [])).map((r) => text(r.name)).sort(compareIds)
  }

  async deleteLocalKey(name: string): Promise<void> {
    assertString(name, 'name')
    await this.#q('deleteKey', [utf8(name)])
  }

  async getMetadata(key: string): Promise<string | undefined> {
    assertString(key, 'key')
    const rows = await this.#q<{ value: Buffer }>('getMeta', [utf8(key)])
    return rows.length === 0 ? undefined : text(rows[0]!.value)
  }

  async setMetadata(key: string, value: string): Promise<void> {
    assertString(key, 'key')
    assertString(value, 'value')
    await this.#q('setMeta', [utf8(key), utf8(value)])
  }

  // ---- checkpoints ------------------------------------------------------------

  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const c = assertCheckpoint(checkpoint)
    await this.#q('putCheckpoint', [utf8(c.tree), utf8(c.store), utf8(c.kind), c.tips.join(','), c.height, utf8(c.data), CHECKPOINTS_KEPT])
  }

  async getCheckpoints(tree: Id, store: string, kind: string, limit = 1): Promise<Checkpoint[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    assertString(kind, 'kind')
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer')
    const rows = await this.#q<{ tips: string; height: string; data: Buffer }>('getCheckpoints', [utf8(tree), utf8(store), utf8(kind), limit])
    return rows.map((r) => ({ tree, store, kind, tips: r.tips.split(','), height: Number(r.height), data: text(r.data) }))
  }

  async deleteCheckpoints(tree: Id, store?: string): Promise<void> {
    assertString(tree, 'tree')
    if (store === undefined) await this.#q('deleteTreeCheckpoints', [utf8(tree)])
    else await this.#q('deleteStoreCheckpoints', [utf8(tree), utf8(assertString(store, 'store'))])
  }

  // ---- heads: tips and heights in SQL (see the module comment) ------------------

  /** The heads of `store` (MAIN: the tips) of a regular database, sorted as the index sorts them; `undefined` when the index is loaded or the database is not regular. */
  async #headsOf(tree: Id, store: string): Promise<Id[] | undefined> {
    if (this.hasIndex(tree) || !storable(tree)) return undefined
    const rows = await this.#q<{ version: string; shape: number; id: Id | null; height: number | null }>('heads', [tree, store])
    if (rows.length === 0 || rows[0]!.shape !== 0) return undefined
    await this.#caughtUp(tree, rows[0]!.version)
    const heads = rows.filter((r): r is { version: string; shape: number; id: Id; height: number } => r.id !== null)
    heads.sort((a, b) => a.height - b.height || compareIds(a.id, b.id))
    return heads.map((r) => r.id)
  }

  /**
   * An answer from SQL includes every write to `tree` up to `version`: when
   * this handle has not taken those in, it does now (as a graph answer from
   * the index would have first), so watchers hear other processes' writes
   * once and in order, and never writes from before an answer as news after
   * it. Costs nothing while no other process wrote.
   */
  async #caughtUp(tree: Id, version: string): Promise<void> {
    if (Number(version) > (this.#seen.get(tree) ?? 0)) await this.#takeIn(tree)
  }

  override async getTips(tree: Id): Promise<Id[]> {
    assertString(tree, 'tree')
    return (await this.#headsOf(tree, MAIN)) ?? super.getTips(tree)
  }

  override async getStoreTips(tree: Id, store: string): Promise<Id[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    return (await this.#headsOf(tree, store)) ?? super.getStoreTips(tree, store)
  }

  override async getHeight(tree: Id, id: Id): Promise<number> {
    assertString(tree, 'tree')
    assertString(id, 'id')
    if (!this.hasIndex(tree) && storable(tree) && storable(id)) {
      const rows = await this.#q<{ version: string; shape: number; status: number | null; height: number | null }>('height', [tree, id])
      const r = rows[0]
      if (r !== undefined && r.shape === 0 && r.status === 0 && r.height !== null && r.height >= 0) {
        await this.#caughtUp(tree, r.version)
        return r.height
      }
    }
    return super.getHeight(tree, id)
  }

  // ---- graph index and other processes' writes ----------------------------------

  protected override async loadGraph(tree: Id): Promise<Map<Id, Entry>> {
    const out = new Map<Id, Entry>()
    if (!storable(tree)) return out
    const rows = await this.#q<{ version: string; id: Id | null; graph: string | null }>('graph', [tree])
    for (const r of rows) if (r.id !== null) out.set(r.id, storedSkeleton(`schema ${this.schema}`, r.graph!, tree))
    return out
  }

  protected override async readVerified(ids: readonly Id[]): Promise<Entry[]> {
    if (ids.length === 0) return []
    const rows = await this.#q<{ id: Id; body: string }>('bodies', [ids])
    const byId = new Map(rows.map((r) => [r.id, r.body]))
    return ids.map((id) => {
      const body = byId.get(id)
      if (body === undefined) throw new EntryNotFoundError(id)
      return parseStoredEntry(`schema ${this.schema}`, id, body)
    })
  }

  protected override async refresh(tree: Id): Promise<void> {
    if (this.#closed) throw new BackendClosedError()
    if (!storable(tree)) return
    await this.#takeIn(tree)
  }

  /** Takes in the rows of `tree` above the version seen (one query), reporting others' writes to watchers. */
  #takeIn(tree: Id): Promise<void> {
    const run = this.#takeInChain.then(async () => {
      const seen = this.#seen.get(tree) ?? 0
      const rows = await this.#q<ChangeRow>('since', [tree, seen])
      const changed: ChangedEntry[] = []
      let top = seen
      // Take-ins run one at a time, so only this handle's own writes (`#ownWrite`, while this query
      // was in flight) can have moved `#seen` past `seen`: rows up to there are its own.
      const ownUpTo = this.#seen.get(tree) ?? 0
      for (const r of rows) {
        const seq = Number(r.seq)
        top = Math.max(top, seq)
        if (this.#own.delete(`${tree}\u0000${seq}`) || seq <= ownUpTo || this.#inFlight.has(`${r.id}\u0000${r.status}`)) continue
        const status = STATUS_NAME[r.status]
        if (status === undefined) continue
        this.noteChanged(tree, r.id, status === 'verified', () => storedSkeleton(`schema ${this.schema}`, r.graph, tree))
        changed.push({ id: r.id, tree, status })
      }
      if (top > (this.#seen.get(tree) ?? 0)) this.#seen.set(tree, top)
      if (changed.length === 0) return
      for (const w of [...this.#watchers]) {
        try {
          w(changed.map((c) => ({ ...c })))
        } catch {
          // a watcher's failure is its own
        }
      }
    })
    this.#takeInChain = run.catch(() => {})
    return run
  }

  watch(onEntries: (entries: ChangedEntry[]) => void): () => void {
    if (typeof onEntries !== 'function') throw new TypeError('onEntries must be a function')
    if (this.#closed) throw new BackendClosedError()
    this.#watchers.add(onEntries)
    this.#listening ??= this.#listen().catch(() => {
      this.#listening = undefined
    })
    return () => {
      this.#watchers.delete(onEntries)
    }
  }

  /** Opens the LISTEN connection (reconnecting when it drops) and records every database's version as the starting point. */
  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#connectionString })
    client.on('error', () => {})
    client.on('notification', (msg) => {
      if (msg.channel !== this.#channel || msg.payload === undefined) return
      const tree = msg.payload.slice(0, msg.payload.lastIndexOf(' '))
      if (this.#watchers.size > 0 && !this.#closed) this.#takeIn(tree).catch(() => {})
    })
    client.on('end', () => {
      if (this.#listener !== client || this.#closed) return
      this.#listener = undefined
      this.#listening = undefined
      // Reconnect while someone watches, then catch up on every database seen.
      setTimeout(() => {
        if (this.#closed || this.#watchers.size === 0) return
        this.#listening ??= this.#listen()
          .then(() => Promise.all([...this.#seen.keys()].map((t) => this.#takeIn(t))))
          .then(() => {})
          .catch(() => {
            this.#listening = undefined
          })
      }, 500).unref?.()
    })
    await client.connect()
    if (this.#closed) {
      await client.end()
      return
    }
    await client.query(`LISTEN ${ident(this.#channel)}`)
    this.#listener = client
    // Catch up on what was written before the LISTEN took effect.
    const versions = await this.#q<{ tree: Id; version: string }>('versions', [])
    await Promise.all(versions.filter((r) => Number(r.version) > (this.#seen.get(r.tree) ?? 0)).map((r) => this.#takeIn(r.tree)))
  }
}
