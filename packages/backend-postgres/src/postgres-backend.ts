/**
 * @module
 * `PostgresBackend`: an Engram instance in one schema of a PostgreSQL
 * server, shared by any number of processes. Every write is one statement
 * (one round trip, atomic). Each database (`tree`) has a version counter
 * bumped by every write to it under its row lock, so versions follow commit
 * order; each entry row carries the version that last wrote it. Graph
 * questions are answered from an in-memory index per database
 * (`IndexedBackend`), brought up to date before each answer by one query
 * for the rows above the version it has seen. `watch` listens on a
 * per-schema NOTIFY channel that every write signals.
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
}

const STATUS_CODE = { verified: 0, unverified: 1, failed: 2 } as const
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

  private constructor(pool: pg.Pool, options: PostgresBackendOptions, schema: string) {
    super()
    this.#pool = pool
    this.#connectionString = options.connectionString
    this.schema = schema
    this.#channel = `engram:${schema}`
    const s = ident(schema)
    this.#t = {
      put: `WITH v AS (
          INSERT INTO ${s}.trees AS t (tree, version) VALUES ($2, 1)
          ON CONFLICT (tree) DO UPDATE SET version = t.version + 1 RETURNING version
        ), n AS (SELECT pg_notify($7, $2 || ' ' || v.version) AS x FROM v)
        INSERT INTO ${s}.entries (id, tree, status, is_root, seq, graph, body)
        SELECT $1, $2, $3, $4, v.version, $5, $6 FROM v, n
        ON CONFLICT (id) DO NOTHING RETURNING seq`,
      setStatus: `WITH e AS (SELECT tree FROM ${s}.entries WHERE id = $1 AND status <> $2),
        v AS (UPDATE ${s}.trees t SET version = t.version + 1 FROM e WHERE t.tree = e.tree RETURNING t.tree, t.version),
        n AS (SELECT pg_notify($3, v.tree || ' ' || v.version) AS x FROM v)
        UPDATE ${s}.entries x SET status = $2, seq = v.version FROM v, n WHERE x.id = $1 RETURNING x.seq, x.tree, x.graph`,
      body: `SELECT body FROM ${s}.entries WHERE id = $1`,
      bodies: `SELECT id, body FROM ${s}.entries WHERE id = ANY($1) AND status = 0`,
      status: `SELECT status FROM ${s}.entries WHERE id = $1`,
      byStatus: `SELECT id FROM ${s}.entries WHERE status = $1`,
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
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 })
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
    for (const r of await backend.#q<{ tree: Id; version: string }>(backend.#t.versions!, [])) backend.#seen.set(r.tree, Number(r.version))
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
    await Promise.all([this.#pool.end().catch(() => {}), listener?.end().catch(() => {})])
  }

  async #q<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    if (this.#closed) throw new BackendClosedError()
    try {
      return (await this.#pool.query<R>(sql, params)).rows
    } catch (err) {
      if (this.#closed) throw new BackendClosedError()
      throw storageError(err, `schema ${this.schema}`)
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
    const rows = await this.#q<{ seq: string }>(this.#t.put!, [
      id,
      tree,
      STATUS_CODE[status],
      isRootEntry(checked),
      graphText(checked),
      JSON.stringify(checked),
      this.#channel,
    ])
    if (rows.length === 0) return false
    this.#ownWrite(tree, Number(rows[0]!.seq))
    if (status === 'verified') this.indexAdded(tree, id, entrySkeleton(checked))
    return true
  }

  async get(id: Id): Promise<Entry> {
    assertString(id, 'id')
    const rows = storable(id) ? await this.#q<{ body: string }>(this.#t.body!, [id]) : []
    if (rows.length === 0) throw new EntryNotFoundError(id)
    return parseStoredEntry(`schema ${this.schema}`, id, rows[0]!.body)
  }

  async has(id: Id): Promise<boolean> {
    assertString(id, 'id')
    return storable(id) && (await this.#q(this.#t.status!, [id])).length > 0
  }

  async getStatus(id: Id): Promise<VerificationStatus> {
    assertString(id, 'id')
    const rows = storable(id) ? await this.#q<{ status: number }>(this.#t.status!, [id]) : []
    if (rows.length === 0) throw new EntryNotFoundError(id)
    const name = STATUS_NAME[rows[0]!.status]
    if (name === undefined) throw new CorruptStoreError(`schema ${this.schema}`, `the stored status of ${id} is unknown`)
    return name
  }

  async setStatus(id: Id, status: VerificationStatus): Promise<void> {
    assertStatus(status)
    assertString(id, 'id')
    if (!storable(id)) throw new EntryNotFoundError(id)
    const rows = await this.#q<{ seq: string; tree: Id; graph: string }>(this.#t.setStatus!, [id, STATUS_CODE[status], this.#channel])
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
    return (await this.#q<{ id: Id }>(this.#t.byStatus!, [STATUS_CODE[wanted]])).map((r) => r.id).sort(compareIds)
  }

  async treeEntryIds(tree: Id): Promise<Id[]> {
    assertString(tree, 'tree')
    if (!storable(tree)) return []
    return (await this.#q<{ id: Id }>(this.#t.treeIds!, [tree])).map((r) => r.id)
  }

  async rootIds(): Promise<Id[]> {
    return (await this.#q<{ id: Id }>(this.#t.roots!, [])).map((r) => r.id).sort(compareIds)
  }

  // ---- local keys and metadata ----------------------------------------------

  async putLocalKey(name: string, key: Uint8Array): Promise<void> {
    assertString(name, 'name')
    await this.#q(this.#t.putKey!, [utf8(name), Buffer.from(assertBytes(key, 'key'))])
  }

  async getLocalKey(name: string): Promise<Uint8Array | undefined> {
    assertString(name, 'name')
    const rows = await this.#q<{ key: Buffer }>(this.#t.getKey!, [utf8(name)])
    return rows.length === 0 ? undefined : new Uint8Array(rows[0]!.key)
  }

  async listLocalKeys(): Promise<string[]> {
    return (await this.#q<{ name: Buffer }>(this.#t.listKeys!, [])).map((r) => text(r.name)).sort(compareIds)
  }

  async deleteLocalKey(name: string): Promise<void> {
    assertString(name, 'name')
    await this.#q(this.#t.deleteKey!, [utf8(name)])
  }

  async getMetadata(key: string): Promise<string | undefined> {
    assertString(key, 'key')
    const rows = await this.#q<{ value: Buffer }>(this.#t.getMeta!, [utf8(key)])
    return rows.length === 0 ? undefined : text(rows[0]!.value)
  }

  async setMetadata(key: string, value: string): Promise<void> {
    assertString(key, 'key')
    assertString(value, 'value')
    await this.#q(this.#t.setMeta!, [utf8(key), utf8(value)])
  }

  // ---- checkpoints ------------------------------------------------------------

  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    const c = assertCheckpoint(checkpoint)
    await this.#q(this.#t.putCheckpoint!, [utf8(c.tree), utf8(c.store), utf8(c.kind), c.tips.join(','), c.height, utf8(c.data), CHECKPOINTS_KEPT])
  }

  async getCheckpoints(tree: Id, store: string, kind: string, limit = 1): Promise<Checkpoint[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    assertString(kind, 'kind')
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer')
    const rows = await this.#q<{ tips: string; height: string; data: Buffer }>(this.#t.getCheckpoints!, [utf8(tree), utf8(store), utf8(kind), limit])
    return rows.map((r) => ({ tree, store, kind, tips: r.tips.split(','), height: Number(r.height), data: text(r.data) }))
  }

  async deleteCheckpoints(tree: Id, store?: string): Promise<void> {
    assertString(tree, 'tree')
    if (store === undefined) await this.#q(this.#t.deleteTreeCheckpoints!, [utf8(tree)])
    else await this.#q(this.#t.deleteStoreCheckpoints!, [utf8(tree), utf8(assertString(store, 'store'))])
  }

  // ---- graph index and other processes' writes ----------------------------------

  protected override async loadGraph(tree: Id): Promise<Map<Id, Entry>> {
    const out = new Map<Id, Entry>()
    if (!storable(tree)) return out
    const rows = await this.#q<{ version: string; id: Id | null; graph: string | null }>(this.#t.graph!, [tree])
    for (const r of rows) if (r.id !== null) out.set(r.id, storedSkeleton(`schema ${this.schema}`, r.graph!, tree))
    return out
  }

  protected override async readVerified(ids: readonly Id[]): Promise<Entry[]> {
    if (ids.length === 0) return []
    const rows = await this.#q<{ id: Id; body: string }>(this.#t.bodies!, [ids])
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
      const rows = await this.#q<ChangeRow>(this.#t.since!, [tree, seen])
      const changed: ChangedEntry[] = []
      let top = seen
      // Take-ins run one at a time, so only this handle's own writes (`#ownWrite`, while this query
      // was in flight) can have moved `#seen` past `seen`: rows up to there are its own.
      const ownUpTo = this.#seen.get(tree) ?? 0
      for (const r of rows) {
        const seq = Number(r.seq)
        top = Math.max(top, seq)
        if (this.#own.delete(`${tree}\u0000${seq}`) || seq <= ownUpTo) continue
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
    const versions = await this.#q<{ tree: Id; version: string }>(this.#t.versions!, [])
    await Promise.all(versions.filter((r) => Number(r.version) > (this.#seen.get(r.tree) ?? 0)).map((r) => this.#takeIn(r.tree)))
  }
}
