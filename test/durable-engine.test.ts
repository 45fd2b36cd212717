/**
 * The engine over durable backends (issue 10), with two handles on one
 * storage (two SQLite handles on one file; two PostgreSQL pools on one
 * schema when ENGRAM_TEST_POSTGRES_URL is set), each with its own Engine as
 * two processes would have:
 * - a handle sees the other's commits (the engine follows `watch`);
 * - concurrent commits from both land and merge, no write lost;
 * - a reopen reads from durable checkpoints and gives the values a fold
 *   from the root gives.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { Backend, CheckpointBackend } from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { PostgresBackend } from '@engram/backend-postgres'
import { SqliteBackend } from '@engram/backend-sqlite'
import { ed25519 } from '@engram/crypto'
import { Database, DocStore, Engine, type Id, type Signer } from '@engram/database'

interface Kind {
  name: string
  /** Two handles on one new, empty storage. */
  pair(): Promise<[Backend, Backend]>
  /** One more handle on the storage of `b`. */
  another(b: Backend): Promise<Backend>
}

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {})
})

const kinds: Kind[] = [
  {
    name: 'SQLite',
    async pair() {
      const dir = await mkdtemp(join(tmpdir(), 'engram-durable-engine-'))
      const path = join(dir, 'engram.db')
      const a = await SqliteBackend.open(path, { watchIntervalMs: 10 })
      const b = await SqliteBackend.open(path, { watchIntervalMs: 10 })
      cleanups.push(async () => {
        await a.close()
        await b.close()
        await rm(dir, { recursive: true, force: true })
      })
      return [a, b]
    },
    async another(b) {
      const c = await SqliteBackend.open((b as SqliteBackend).path, { watchIntervalMs: 10 })
      cleanups.push(() => c.close())
      return c
    },
  },
]

const pgUrl = process.env.ENGRAM_TEST_POSTGRES_URL || undefined
if (pgUrl !== undefined) {
  const connectionString = pgUrl
  let n = 0
  kinds.push({
    name: 'PostgreSQL',
    async pair() {
      const schema = `engine_${process.pid}_${++n}_${Math.random().toString(36).slice(2, 8)}`
      const a = await PostgresBackend.connect({ connectionString, schema })
      const b = await PostgresBackend.connect({ connectionString, schema })
      // The schema stays on the throwaway server (scripts/with-postgres.sh, .ci/run) with the others' test schemas.
      cleanups.push(async () => {
        await b.close()
        await a.close()
      })
      return [a, b]
    },
    async another(b) {
      const c = await PostgresBackend.connect({ connectionString, schema: (b as PostgresBackend).schema })
      cleanups.push(() => c.close())
      return c
    },
  })
} else if (process.env.CI === 'true') {
  throw new Error('CI=true but ENGRAM_TEST_POSTGRES_URL is not set (.ci/run starts a server with scripts/with-postgres.sh)')
} else {
  console.log('durable-engine: PostgreSQL cases not run (no ENGRAM_TEST_POSTGRES_URL). Run them with: scripts/with-postgres.sh pnpm exec vitest run test/durable-engine.test.ts')
}

/** Retries `check` until it passes (vitest's `vi.waitFor`), failing after `timeout` ms. */
const eventually = (check: () => unknown, timeout = 10_000) => vi.waitFor(check, { timeout, interval: 10 })

async function signer(): Promise<Signer> {
  return { key: await ed25519.importSigningKey(new Uint8Array(32).fill(42)), sigKey: 'admin' }
}

async function set(db: Database, key: string, value: number | string): Promise<Id> {
  const txn = await db.newTransaction()
  await (await txn.getStore('s', DocStore)).set(key, value)
  return txn.commit()
}

const values = async (db: Database) => (await (await db.getStore('s', DocStore)).toJSON()) as Record<string, unknown>

for (const kind of kinds) {
  // Real storage on a shared machine: generous time per case.
  describe(`the engine over ${kind.name}, two handles on one storage`, { timeout: 60_000 }, () => {
    it('a handle sees the other handle\'s commits, tips and states included, and hears them as remote writes', async () => {
      const [a, b] = await kind.pair()
      const s = await signer()
      const dbA = await Database.create(new Engine(a), { name: 'shared' }, s)
      await set(dbA, 'x', 1)
      const engineB = new Engine(b)
      const dbB = await Database.open(engineB, dbA.id, s)
      expect(await values(dbB)).toEqual({ x: 1 }) // B now keeps a state of `s`
      const heard: Id[] = []
      dbB.onRemoteWrite((e) => void heard.push(e.entryId))
      const made: Id[] = []
      for (let i = 0; i < 20; i++) made.push(await set(dbA, `k${i}`, i))
      await eventually(async () => expect(await dbB.getTips()).toEqual(await dbA.getTips()))
      expect(await values(dbB)).toEqual(await values(dbA))
      await eventually(() => expect(heard).toEqual(made))
      // B writes on top of what it saw; A sees that.
      const fromB = await set(dbB, 'x', 'from B')
      await eventually(async () => expect(await dbA.getTips()).toEqual([fromB]))
      expect((await values(dbA)).x).toBe('from B')
      // Its own commit is no remote write for B; A's 20 (and nothing else) were.
      await new Promise((r) => setTimeout(r, 200))
      expect(heard).toEqual(made)
    })

    it('concurrent commits from both handles all land and merge: no write lost', async () => {
      const [a, b] = await kind.pair()
      const s = await signer()
      const dbA = await Database.create(new Engine(a), { name: 'race' }, s)
      const dbB = await Database.open(new Engine(b), dbA.id, s)
      const N = 40
      const idsA: Id[] = []
      const idsB: Id[] = []
      // Both write at once, each on the tips it knows (often not the other's newest): concurrent branches.
      await Promise.all([
        (async () => {
          for (let i = 0; i < N; i++) idsA.push(await set(dbA, `a${i}`, i))
        })(),
        (async () => {
          for (let i = 0; i < N; i++) idsB.push(await set(dbB, `b${i}`, i))
          await set(dbB, 'same', 'B')
        })(),
        (async () => {
          await set(dbA, 'same', 'A')
        })(),
      ])
      const want: Record<string, unknown> = {}
      for (let i = 0; i < N; i++) Object.assign(want, { [`a${i}`]: i, [`b${i}`]: i })
      for (const db of [dbA, dbB]) {
        await eventually(async () => {
          const got = await values(db)
          expect({ ...got, same: undefined }).toEqual({ ...want, same: undefined })
          expect(['A', 'B']).toContain(got.same)
        })
      }
      // Both converge on one value for the contested key, and one more commit on each side merges everything.
      await eventually(async () => expect(await dbB.getTips()).toEqual(await dbA.getTips()))
      expect(await values(dbA)).toEqual(await values(dbB))
      const lastA = await set(dbA, 'merged', 'yes')
      await eventually(async () => expect(await dbB.getTips()).toEqual([lastA]))
      expect(await values(dbB)).toEqual({ ...(await values(dbA)) })
      for (const id of [...idsA, ...idsB]) expect(await a.getStatus(id)).toBe('verified')
      // A third handle, cold, folds the same state from the stored entries.
      const c = await kind.another(a)
      expect(await values(await Database.open(new Engine(c), dbA.id))).toEqual(await values(dbA))
    })

    it('a reopen uses the durable checkpoints the commits wrote and reads what a fold from the root reads', async () => {
      const [a] = await kind.pair()
      const s = await signer()
      const db = await Database.create(new Engine(a), { name: 'reopen' }, s)
      for (let i = 0; i < 700; i++) await set(db, `k${i % 40}`, i)
      await eventually(async () => expect((await (a as unknown as CheckpointBackend).getCheckpoints(db.id, 's', DocStore.typeId)).length).toBe(1))
      const reference = new MemoryBackend()
      for (const e of await db.getAllEntries()) await reference.put(e.id, e.entry, 'verified')
      const fromRoot = await values(await Database.open(new Engine(reference), db.id))
      const again = await kind.another(a)
      expect(await values(await Database.open(new Engine(again), db.id))).toEqual(fromRoot)
      expect(fromRoot).toEqual(await values(db))
    })
  })
}
