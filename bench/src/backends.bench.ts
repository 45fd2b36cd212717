/**
 * The durable backends against MemoryBackend, in one run:
 *
 * - P1 on each backend: sequential one-key DocStore commits, interleaved in
 *   rounds with the same commits on a MemoryBackend (so all see the same
 *   machine load). Ratio = backend commits/s ÷ memory commits/s. Targets:
 *   SQLite ≥ 0.7, PostgreSQL ≥ 0.3. Beside them, the storage's own floor
 *   (storage-floor.ts): the least a durable one-row write costs there, and
 *   the highest ratio that leaves.
 * - Received batch: 10,000 entries made elsewhere, handed to
 *   `engine.receiveEntries` in one call (validated, stored, verified).
 * - Reopen + first read: a database of 10,000 and of 100,000 one-key
 *   commits; a new backend handle (SQLite: open the file; PostgreSQL: a new
 *   pool) and a new Engine, `Database.open`, a view, one `get`. The entries
 *   are put straight into the backend, then one earlier session reads the
 *   store once (folding the whole history, which writes a durable
 *   checkpoint), as any session that read or committed would have; the
 *   figure is the median of 3 reopens after that. Target: < 200 ms at
 *   100,000, and 100k within 1.5x of 10k.
 *
 * PostgreSQL rows need a server: ENGRAM_BENCH_POSTGRES_URL or
 * ENGRAM_TEST_POSTGRES_URL (`scripts/with-postgres.sh` starts a throwaway one).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hasCheckpoints, type Backend, type Entry } from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { PostgresBackend } from '@engram/backend-postgres'
import { SqliteBackend } from '@engram/backend-sqlite'
import { randomBytes, type SigningKey } from '@engram/crypto'
import { Database, DocStore, Engine } from '@engram/database'
import { fmt, table } from './measure.js'
import { postgresFloorUs, sqliteFloorUs } from './storage-floor.js'

interface Signer {
  key: SigningKey
  sigKey: string
}

interface Kind {
  name: string
  /** A fresh, empty backend. */
  create: () => Promise<Backend>
  /** Another handle on the same storage (the "reopen"). */
  reopen: (b: Backend) => Promise<Backend>
  close: (b: Backend) => Promise<void>
  target?: number
}

const P1_ROUNDS = 6
const P1_CHUNK = 500
const BATCH = 10_000
const SIZES = [10_000, 100_000]

async function commitOne(db: Database, key: string, value: number): Promise<string> {
  const txn = await db.newTransaction()
  await (await txn.getStore('s', DocStore)).set(key, value)
  return txn.commit()
}

async function loadEd25519() {
  const { ed25519 } = await import('@engram/crypto')
  return ed25519
}

const perSec = (n: number, ms: number) => (n * 1000) / ms

export async function run(): Promise<void> {
  const ed = await loadEd25519()
  const key = await ed.importSigningKey(randomBytes(32))
  const signer: Signer = { key, sigKey: 'bench' }
  const dir = await mkdtemp(join(tmpdir(), 'engram-bench-backends-'))
  const pgUrl = process.env.ENGRAM_BENCH_POSTGRES_URL || process.env.ENGRAM_TEST_POSTGRES_URL || undefined
  let files = 0
  let schemas = 0
  const kinds: Kind[] = [
    {
      name: 'SQLite',
      target: 0.7,
      create: async () => SqliteBackend.open(join(dir, `b${++files}.db`)),
      reopen: async (b) => SqliteBackend.open((b as SqliteBackend).path),
      close: (b) => (b as SqliteBackend).close(),
    },
  ]
  if (pgUrl) {
    kinds.push({
      name: 'PostgreSQL',
      target: 0.3,
      create: async () => PostgresBackend.connect({ connectionString: pgUrl, schema: `bench_${process.pid}_${++schemas}` }),
      reopen: async (b) => PostgresBackend.connect({ connectionString: pgUrl, schema: (b as PostgresBackend).schema }),
      close: (b) => (b as PostgresBackend).close(),
    })
  } else {
    console.log('PostgreSQL rows not run: set ENGRAM_BENCH_POSTGRES_URL, or run: scripts/with-postgres.sh pnpm --filter @engram/bench bench backends')
  }
  const rows: (string | number)[][] = [['figure', 'value', 'target', 'ratio', 'result']]
  const opened: { kind: Kind; backend: Backend }[] = []
  const track = async (kind: Kind, b: Promise<Backend>) => {
    const backend = await b
    opened.push({ kind, backend })
    return backend
  }
  try {
    // ---- P1, interleaved with memory ---------------------------------------
    const warm = await Database.create(new Engine(new MemoryBackend()), { name: 'warm' }, signer)
    for (let i = 0; i < 500; i++) await commitOne(warm, `w${i}`, i)
    const memDb = await Database.create(new Engine(new MemoryBackend()), { name: 'p1' }, signer)
    const dbs = new Map<string, Database>()
    for (const kind of kinds) {
      const db = await Database.create(new Engine(await track(kind, kind.create())), { name: 'p1' }, signer)
      for (let i = 0; i < 200; i++) await commitOne(db, `w${i}`, i) // warm its path too
      dbs.set(kind.name, db)
    }
    const ms = new Map<string, number>([['memory', 0], ...kinds.map((k) => [k.name, 0] as [string, number])])
    const order = ['memory', ...kinds.map((k) => k.name)]
    for (let round = 0; round < P1_ROUNDS; round++) {
      for (let s = 0; s < order.length; s++) {
        const name = order[(s + round) % order.length]!
        const db = name === 'memory' ? memDb : dbs.get(name)!
        const t = performance.now()
        for (let i = 0; i < P1_CHUNK; i++) await commitOne(db, `k${round * P1_CHUNK + i}`, i)
        ms.set(name, ms.get(name)! + performance.now() - t)
      }
    }
    const n = P1_ROUNDS * P1_CHUNK
    const memRate = perSec(n, ms.get('memory')!)
    rows.push(['P1 MemoryBackend', `${fmt(memRate)} commits/s`, '', '1.00', ''])
    for (const kind of kinds) {
      const rate = perSec(n, ms.get(kind.name)!)
      const ratio = rate / memRate
      rows.push([`P1 ${kind.name}`, `${fmt(rate)} commits/s`, `>= ${kind.target} x memory`, fmt(ratio, 2), ratio >= kind.target! ? 'PASS' : 'FAIL'])
    }
    // The storage's own least cost of a durable write, and the P1 ratio that leaves at most (see storage-floor.ts).
    const memUs = 1e6 / memRate
    const ceiling = (floorUs: number) => fmt(memUs / (memUs + floorUs), 2)
    const sqliteFloor = sqliteFloorUs(dir)
    rows.push(['floor: SQLite one-row append transaction (WAL, synchronous NORMAL, no index)', `${fmt(sqliteFloor, 1)} µs`, '', `<= ${ceiling(sqliteFloor)}`, 'highest P1 ratio it leaves'])
    if (pgUrl) {
      const floor = await postgresFloorUs(pgUrl, `bench_${process.pid}_floor`)
      rows.push(['floor: PostgreSQL one-row INSERT (prepared, autocommit)', `${fmt(floor.insert, 1)} µs`, '', `<= ${ceiling(floor.insert)}`, 'highest P1 ratio it leaves'])
      rows.push(['floor: PostgreSQL round trip (prepared SELECT $1)', `${fmt(floor.roundTrip, 1)} µs`, '', `<= ${ceiling(floor.roundTrip)}`, 'even with no write at all'])
    }

    // ---- received batch of 10,000 ----------------------------------------------
    const source = await Database.create(new Engine(new MemoryBackend()), { name: 'batch' }, signer)
    for (let i = 0; i < BATCH - 1; i++) await commitOne(source, `k${i}`, i)
    const entries = (await source.getAllEntries()).map((e) => ({ id: e.id, entry: e.entry as Entry }))
    if (entries.length !== BATCH) throw new Error(`expected ${BATCH} entries, got ${entries.length}`)
    const receivers: { name: string; make: () => Promise<Backend> }[] = [
      { name: 'MemoryBackend', make: async () => new MemoryBackend() },
      ...kinds.map((k) => ({ name: k.name, make: () => track(k, k.create()) })),
    ]
    let memBatch = NaN
    for (const r of receivers) {
      const engine = new Engine(await r.make())
      const t = performance.now()
      const result = await engine.receiveEntries(entries)
      const el = performance.now() - t
      if (result.verified.length !== BATCH) throw new Error(`${r.name}: ${result.verified.length} of ${BATCH} verified`)
      const rate = perSec(BATCH, el)
      if (r.name === 'MemoryBackend') memBatch = rate
      rows.push([`received batch of 10,000: ${r.name}`, `${fmt(rate)} entries/s (${fmt(el / 1000, 2)} s)`, '', fmt(rate / memBatch, 2), ''])
    }

    // ---- reopen + first read -----------------------------------------------------
    const big = await Database.create(new Engine(new MemoryBackend()), { name: 'reopen' }, signer)
    const bigEntries: { id: string; entry: Entry }[] = []
    let made = 1
    const reopenMs = new Map<string, number>()
    for (const size of SIZES) {
      for (; made < size; made++) await commitOne(big, `k${made % 5000}`, made)
      const all = (await big.getAllEntries()).map((e) => ({ id: e.id, entry: e.entry as Entry }))
      bigEntries.splice(0, bigEntries.length, ...all)
      for (const kind of kinds) {
        const b = await track(kind, kind.create())
        const t0 = performance.now()
        for (const e of bigEntries) await b.put(e.id, e.entry, 'verified')
        const fill = performance.now() - t0
        // The earlier session: a first read folds the whole history and leaves a durable checkpoint.
        const t1 = performance.now()
        {
          const earlier = await kind.reopen(b)
          const db = await Database.open(new Engine(earlier), big.id)
          await (await db.getStore('s', DocStore)).get('k1')
          const tips = await earlier.getStoreTips(big.id, 's')
          for (let i = 0; i < 1000 && hasCheckpoints(earlier); i++) {
            const [newest] = await earlier.getCheckpoints(big.id, 's', DocStore.typeId)
            if (newest !== undefined && newest.tips.join() === tips.join()) break
            await new Promise((r) => setTimeout(r, 5))
          }
          await kind.close(earlier)
        }
        const firstEver = performance.now() - t1
        const times: number[] = []
        for (let r = 0; r < 3; r++) {
          const t = performance.now()
          const again = await kind.reopen(b)
          const db = await Database.open(new Engine(again), big.id)
          const value = await (await db.getStore('s', DocStore)).get('k1')
          times.push(performance.now() - t)
          await kind.close(again)
          if (typeof value !== 'number') throw new Error(`${kind.name}: read ${JSON.stringify(value)}`)
        }
        times.sort((a, b) => a - b)
        const median = times[1]!
        reopenMs.set(`${kind.name} ${size}`, median)
        const small = reopenMs.get(`${kind.name} ${SIZES[0]}`)!
        const flat = size === SIZES[0] ? '' : fmt(median / small, 2)
        const pass = size === SIZES[0] ? '' : median < 200 && median / small <= 1.5 ? 'PASS' : 'FAIL'
        rows.push([
          `reopen + first read, ${fmt(size)} commits: ${kind.name}`,
          `${fmt(median, 1)} ms`,
          size === SIZES[0] ? '' : '< 200 ms, <= 1.5 x 10k',
          flat,
          `${pass} (first read ever, no checkpoint: ${fmt(firstEver, 0)} ms; filled at ${fmt(perSec(bigEntries.length, fill))} puts/s)`,
        ])
      }
    }
  } finally {
    for (const { kind, backend } of opened) await kind.close(backend).catch(() => {})
    if (pgUrl && schemas > 0) {
      const pg = (await import('pg')).default
      const client = new pg.Client({ connectionString: pgUrl })
      await client.connect()
      for (let i = 1; i <= schemas; i++) await client.query(`DROP SCHEMA IF EXISTS "bench_${process.pid}_${i}" CASCADE`)
      await client.end()
    }
    await rm(dir, { recursive: true, force: true })
  }
  console.log()
  table(rows)
}
