/**
 * Heads (schema version 2): tips, store tips and heights of a regular
 * database answered from SQL (no graph loaded) must be exactly what the graph
 * index answers, whatever order entries and statuses arrive in; an irregular
 * database (an entry verified before its parents, a status leaving
 * `verified`, data written by version 1) is answered from the index. Needs a
 * server (ENGRAM_TEST_POSTGRES_URL), like the other server cases.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { graphText, type Entry, type Id } from '@engram/backend-api'
import { makeEntry, makeRoot, randomDag as randomDagOf } from '@engram/backend-api/conformance'
import { PostgresBackend } from '../src/index.js'
import { dropSchema, freshSchema, sql, url } from './server.js'

type Item = { id: Id; entry: Entry }

/** A seeded random source. */
function randomSource(seed: number): (k: number) => number {
  let x = seed
  return (k) => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x % k)
}

const randomDag = (seed: number, n: number) => randomDagOf(seed, n, `pg-heads-${seed}`)

/** A shuffled copy of `items` (Fisher–Yates). */
function shuffle<T>(items: readonly T[], rand: (k: number) => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rand(i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** `items` shuffled so that each comes after its main and store parents (a random topological order). */
function topologicalShuffle(items: Item[], rand: (k: number) => number, known: Set<Id>): Item[] {
  const left = [...items]
  const done = new Set(known)
  const out: Item[] = []
  while (left.length > 0) {
    const ready = left.filter((e) => [...e.entry.tree.parents, ...e.entry.subtrees.flatMap((s) => s.parents)].every((p) => done.has(p)))
    const pick = ready[rand(ready.length)]!
    left.splice(left.indexOf(pick), 1)
    done.add(pick.id)
    out.push(pick)
  }
  return out
}

async function answers(b: PostgresBackend, tree: Id, ids: Id[]) {
  return {
    tips: await b.getTips(tree),
    a: await b.getStoreTips(tree, 'a'),
    b: await b.getStoreTips(tree, 'b'),
    none: await b.getStoreTips(tree, 'none'),
    heights: await Promise.all(ids.map((id) => b.getHeight(tree, id).catch((e: { code?: string }) => e.code))),
  }
}

const shapeOf = async (schema: string, tree: Id) => (await sql(`SELECT shape FROM "${schema}".trees WHERE tree = $1`, [tree]))[0]?.shape as number | undefined

if (url !== undefined) {
  const connectionString = url
  const schemas: string[] = []
  const connect = (schema: string) => PostgresBackend.connect({ connectionString, schema, poolSize: 2 })
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s)
  })
  const newSchema = () => {
    const s = freshSchema()
    schemas.push(s)
    return s
  }

  /** Asks a fresh handle (SQL answers) and a handle with the graph index loaded; both must agree. */
  async function compare(schema: string, tree: Id, ids: Id[]): Promise<Awaited<ReturnType<typeof answers>>> {
    const fresh = await connect(schema)
    const indexed = await connect(schema)
    try {
      await indexed.getTree(tree) // loads the graph index
      const fromSql = await answers(fresh, tree, ids)
      expect(fromSql).toEqual(await answers(indexed, tree, ids))
      return fromSql
    } finally {
      await Promise.all([fresh.close(), indexed.close()])
    }
  }

  describe('PostgresBackend heads', () => {
    it('a regular database, entries verified in random orders (put verified, or unverified first and verified later): SQL answers equal the graph index\'s at every step', async () => {
      for (let seed = 1; seed <= 4; seed++) {
        const schema = newSchema()
        const rand = randomSource(seed * 7919)
        const { root, entries } = randomDag(seed, 40)
        const order = topologicalShuffle(entries, rand, new Set([root.id]))
        const w = await connect(schema)
        try {
          await w.put(root.id, root.entry, 'verified')
          // Some entries arrive unverified early (before their parents, as receiving may), and are verified in order later.
          const early = new Set(order.filter(() => rand(3) === 0).map((e) => e.id))
          for (const e of order) if (early.has(e.id)) await w.put(e.id, e.entry, 'unverified')
          const ids = [root.id, ...entries.map((e) => e.id)]
          for (const [i, e] of order.entries()) {
            if (early.has(e.id)) await w.setStatus(e.id, 'verified')
            else await w.put(e.id, e.entry, 'verified')
            if (i % 13 === 12) await compare(schema, root.id, ids)
          }
          // Re-puts change nothing.
          for (const e of order.slice(0, 5)) expect(await w.insert(e.id, e.entry, 'verified')).toBe(false)
          const final = await compare(schema, root.id, ids)
          expect(final.tips.length).toBeGreaterThan(0)
          expect(final.heights.every((h) => typeof h === 'number')).toBe(true)
          expect(await shapeOf(schema, root.id)).toBe(0)
          expect(Number((await sql(`SELECT count(*) AS n FROM "${schema}".heads WHERE tree = $1 AND store = chr(1)`, [root.id]))[0]!.n)).toBe(final.tips.length)
        } finally {
          await w.close()
        }
      }
    }, 120_000)

    it('entries and statuses in any order (children before parents, failed then verified, verified then failed): answers equal the graph index\'s', async () => {
      for (let seed = 11; seed <= 14; seed++) {
        const schema = newSchema()
        const rand = randomSource(seed)
        const { root, entries } = randomDag(seed, 30)
        const all = [root, ...entries]
        const ids = all.map((e) => e.id)
        const w = await connect(schema)
        try {
          const shuffled = shuffle(all, rand)
          for (const e of shuffled) await w.put(e.id, e.entry, rand(4) === 0 ? 'failed' : rand(3) === 0 ? 'unverified' : 'verified')
          for (let i = 0; i < 20; i++) {
            const e = all[rand(all.length)]!
            await w.setStatus(e.id, (['verified', 'unverified', 'failed'] as const)[rand(3)]!)
          }
          await compare(schema, root.id, ids)
          for (const e of all) await w.setStatus(e.id, 'verified')
          const final = await compare(schema, root.id, ids)
          expect(final.heights.every((h) => typeof h === 'number')).toBe(true)
        } finally {
          await w.close()
        }
      }
    }, 120_000)

    it('a child verified before its parent, or a status leaving verified, makes the database irregular for good; answers stay right', async () => {
      const { root, entries } = randomDag(21, 20)
      const ids = [root.id, ...entries.map((e) => e.id)]
      const schema = newSchema()
      const w = await connect(schema)
      try {
        await w.put(root.id, root.entry, 'verified')
        // The first entry with a non-root main parent comes before that parent.
        const child = entries.find((e) => e.entry.tree.parents.some((p) => p !== root.id))!
        const parent = entries.find((e) => child.entry.tree.parents.includes(e.id))!
        const before = entries.slice(0, entries.indexOf(parent))
        for (const e of before) await w.put(e.id, e.entry, 'verified')
        expect(await shapeOf(schema, root.id)).toBe(0)
        await w.put(child.id, child.entry, 'verified')
        expect(await shapeOf(schema, root.id)).toBe(1)
        for (const e of entries) if (!before.includes(e) && e !== child) await w.put(e.id, e.entry, 'verified')
        await compare(schema, root.id, ids)
      } finally {
        await w.close()
      }

      const schema2 = newSchema()
      const w2 = await connect(schema2)
      try {
        await w2.put(root.id, root.entry, 'verified')
        for (const e of entries) await w2.put(e.id, e.entry, 'verified')
        expect(await shapeOf(schema2, root.id)).toBe(0)
        const tipsBefore = await w2.getTips(root.id)
        await w2.setStatus(tipsBefore[0]!, 'failed')
        expect(await shapeOf(schema2, root.id)).toBe(1)
        const after = await compare(schema2, root.id, ids)
        expect(after.tips).not.toContain(tipsBefore[0])
        // Verified again: still irregular (for good), still right.
        await w2.setStatus(tipsBefore[0]!, 'verified')
        expect(await shapeOf(schema2, root.id)).toBe(1)
        expect((await compare(schema2, root.id, ids)).tips).toContain(tipsBefore[0])
      } finally {
        await w2.close()
      }

      // A database whose first verified entry is not its root.
      const schema3 = newSchema()
      const w3 = await connect(schema3)
      try {
        await w3.put(root.id, root.entry, 'unverified')
        await w3.put(entries[0]!.id, entries[0]!.entry, 'verified')
        await w3.setStatus(root.id, 'verified')
        expect(await shapeOf(schema3, root.id)).toBe(1)
        await compare(schema3, root.id, ids)
      } finally {
        await w3.close()
      }
    }, 60_000)

    it('a store parent that does not hold its store makes the database irregular', async () => {
      const schema = newSchema()
      const root = makeRoot('pg-heads-store', { a: { data: '0' } })
      const e1 = makeEntry(root.id, [root.id], { b: { data: '1' } }, 1)
      // e2 names e1 as a store parent of `a`, which e1 does not hold.
      const e2 = makeEntry(root.id, [e1.id], { a: { parents: [e1.id], data: '2' } }, 2)
      const w = await connect(schema)
      try {
        for (const e of [root, e1]) await w.put(e.id, e.entry, 'verified')
        expect(await shapeOf(schema, root.id)).toBe(0)
        await w.put(e2.id, e2.entry, 'verified')
        expect(await shapeOf(schema, root.id)).toBe(1)
        await compare(schema, root.id, [root.id, e1.id, e2.id])
      } finally {
        await w.close()
      }
    })

    it('two handles (two pools) committing to one database at once: the heads match the graph index', async () => {
      const schema = newSchema()
      const root = makeRoot('pg-heads-two', { s: { data: '0' } })
      const setup = await connect(schema)
      await setup.put(root.id, root.entry, 'verified')
      const [p, q] = await Promise.all([connect(schema), connect(schema)])
      const ids: Id[] = [root.id]
      try {
        // Each handle extends its own branch and now and then merges in the other's tip, both at once.
        const heads = { p: root.id, q: root.id }
        const storeHeads = { p: [root.id], q: [root.id] }
        for (let i = 0; i < 30; i++) {
          const step = async (me: 'p' | 'q', b: PostgresBackend) => {
            const other = me === 'p' ? 'q' : 'p'
            const merge = i % 7 === 6 && heads[other] !== heads[me]
            const parents = merge ? [heads[me], heads[other]] : [heads[me]]
            const sp = merge ? [...new Set([...storeHeads[me], ...storeHeads[other]])] : storeHeads[me]
            const e = makeEntry(root.id, parents, { s: { parents: sp, data: `${me}${i}` } }, `${me}${i}`)
            await b.put(e.id, e.entry, 'verified')
            ids.push(e.id)
            return e.id
          }
          const [a, c] = await Promise.all([step('p', p), step('q', q)])
          heads.p = a
          heads.q = c
          storeHeads.p = [a]
          storeHeads.q = [c]
        }
        expect(await shapeOf(schema, root.id)).toBe(0)
        const final = await compare(schema, root.id, ids)
        expect(final.tips).toHaveLength(2)
      } finally {
        await Promise.all([setup.close(), p.close(), q.close()])
      }
    }, 60_000)

    it('a version 1 schema is migrated: its databases stay on the graph index, new ones get SQL heads; a version 1 writer now fails instead of skipping the heads', async () => {
      const schema = newSchema()
      const s = `"${schema}"`
      // The version 1 schema and put statement, as the previous release wrote them.
      await sql(`CREATE SCHEMA ${s};
        CREATE TABLE ${s}.engram_format (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE ${s}.trees (tree text PRIMARY KEY, version bigint NOT NULL);
        CREATE TABLE ${s}.entries (id text PRIMARY KEY, tree text NOT NULL, status smallint NOT NULL, is_root boolean NOT NULL, seq bigint NOT NULL, graph text NOT NULL, body text NOT NULL);
        CREATE INDEX entries_tree_seq ON ${s}.entries (tree, seq);
        CREATE INDEX entries_tree_status ON ${s}.entries (tree, status);
        CREATE INDEX entries_status ON ${s}.entries (status);
        CREATE INDEX entries_roots ON ${s}.entries (id) WHERE is_root;
        CREATE TABLE ${s}.local_keys (name bytea PRIMARY KEY, key bytea NOT NULL);
        CREATE TABLE ${s}.metadata (key bytea PRIMARY KEY, value bytea NOT NULL);
        CREATE TABLE ${s}.checkpoints (tree bytea NOT NULL, store bytea NOT NULL, kind bytea NOT NULL, tips text NOT NULL, height bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (tree, store, kind, tips));
        INSERT INTO ${s}.engram_format (key, value) VALUES ('format', 'engram-postgres'), ('version', '1');`)
      const v1Put = `WITH v AS (
          INSERT INTO ${s}.trees AS t (tree, version) VALUES ($2, 1)
          ON CONFLICT (tree) DO UPDATE SET version = t.version + 1 RETURNING version
        ), n AS (SELECT pg_notify($7, $2 || ' ' || v.version) AS x FROM v)
        INSERT INTO ${s}.entries (id, tree, status, is_root, seq, graph, body)
        SELECT $1, $2, $3, $4, v.version, $5, $6 FROM v, n
        ON CONFLICT (id) DO NOTHING RETURNING seq`
      const v1Write = (e: Item, root: boolean) => sql(v1Put, [e.id, root ? e.id : e.entry.tree.root, 0, root, graphText(e.entry), JSON.stringify(e.entry), `engram:${schema}`])
      const { root, entries } = randomDag(31, 15)
      await v1Write(root, true)
      for (const e of entries) await v1Write(e, false)
      const oldIds = [root.id, ...entries.map((e) => e.id)]

      const b = await connect(schema)
      try {
        expect((await sql(`SELECT value FROM ${s}.engram_format WHERE key = 'version'`))[0]!.value).toBe('2')
        expect(await shapeOf(schema, root.id)).toBe(1)
        const old = await compare(schema, root.id, oldIds)
        expect(old.heights.every((h) => typeof h === 'number')).toBe(true)
        // A new entry in the old database: still answered from the index, and right.
        const more = makeEntry(root.id, old.tips, {}, 'after')
        await b.put(more.id, more.entry, 'verified')
        expect((await compare(schema, root.id, [...oldIds, more.id])).tips).toEqual([more.id])
        // A new database: SQL heads.
        const r2 = makeRoot('pg-after-migration', { s: { data: 'x' } })
        const e2 = makeEntry(r2.id, [r2.id], { s: { parents: [r2.id], data: 'y' } }, 'e2')
        await b.put(r2.id, r2.entry, 'verified')
        await b.put(e2.id, e2.entry, 'verified')
        expect(await shapeOf(schema, r2.id)).toBe(0)
        const fresh = await compare(schema, r2.id, [r2.id, e2.id])
        expect(fresh).toMatchObject({ tips: [e2.id], heights: [0, 1] })
        // A process still running version 1 cannot write behind the heads' back.
        const late = makeEntry(r2.id, [e2.id], {}, 'late')
        await expect(v1Write(late, false)).rejects.toThrow(/null value in column/)
        expect(await b.has(late.id)).toBe(false)
      } finally {
        await b.close()
      }
    }, 60_000)
  })
}
