/**
 * Heads (schema version 2 and later): tips, store tips and heights of a regular
 * database answered from SQL without loading the graph must be exactly what
 * the graph index answers; an irregular database (an entry before its
 * parents, a status leaving `verified`, a version 1 file) is answered from
 * the index.
 */
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { entryTree, graphText, isRootEntry, type Entry, type Id } from '@engram/backend-api'
import { makeEntry, makeRoot, randomDag as randomDagOf } from '@engram/backend-api/conformance'
import { SqliteBackend } from '../src/index.js'
import { APPLICATION_ID, SCHEMA_V1, SCHEMA_VERSION, V2_TABLES } from '../src/schema.js'
import { tempDir } from './helpers.js'

let dir: { dir: string; dispose: () => Promise<void> }
beforeEach(async () => {
  dir = await tempDir()
})
afterEach(() => dir.dispose())

const randomDag = (seed: number, n: number) => randomDagOf(seed, n, `heads-${seed}`)

async function answers(b: SqliteBackend, tree: Id, ids: Id[]) {
  return {
    tips: await b.getTips(tree),
    a: await b.getStoreTips(tree, 'a'),
    b: await b.getStoreTips(tree, 'b'),
    c: await b.getStoreTips(tree, 'none'),
    heights: await Promise.all(ids.map((id) => b.getHeight(tree, id))),
  }
}

describe('SqliteBackend heads', () => {
  it('a regular database: SQL answers (no graph loaded) equal the graph index answers, on random DAGs', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const file = join(dir.dir, `r${seed}.db`)
      const { root, entries } = randomDag(seed, 60)
      const w = await SqliteBackend.open(file)
      await w.put(root.id, root.entry, 'verified')
      // Half stored verified at once, half stored unverified then verified (as receiving does): both keep the heads.
      for (const [i, e] of entries.entries()) {
        if (i % 2 === 0) await w.put(e.id, e.entry, 'verified')
        else {
          await w.put(e.id, e.entry, 'unverified')
          await w.setStatus(e.id, 'verified')
        }
      }
      await w.close()
      const ids = [root.id, ...entries.map((e) => e.id)]
      const fresh = await SqliteBackend.open(file)
      const fromSql = await answers(fresh, root.id, ids)
      await fresh.getTree(root.id) // loads the graph index
      const fromIndex = await answers(fresh, root.id, ids)
      expect(fromSql).toEqual(fromIndex)
      expect(fromSql.tips.length).toBeGreaterThan(0)
      await expect(fresh.getHeight(root.id, 'sha256:' + '0'.repeat(64))).rejects.toMatchObject({ code: 'ENTRY_NOT_FOUND' })
      await fresh.close()
      const raw = new BetterSqlite3(file, { readonly: true })
      expect(raw.prepare('SELECT irregular FROM shapes WHERE tree = ?').pluck().get(root.id)).toBe(0)
      raw.close()
    }
  })

  it('an entry before its parents, or a status leaving verified, makes the database irregular: answers still right', async () => {
    const file = join(dir.dir, 'irr.db')
    const { root, entries } = randomDag(9, 30)
    const w = await SqliteBackend.open(file)
    await w.put(root.id, root.entry, 'verified')
    for (const e of entries.slice(0, 10)) await w.put(e.id, e.entry, 'verified')
    // Entry 11 before entry 10.
    await w.put(entries[11]!.id, entries[11]!.entry, 'verified')
    await w.put(entries[10]!.id, entries[10]!.entry, 'verified')
    for (const e of entries.slice(12)) await w.put(e.id, e.entry, 'verified')
    await w.close()
    const check = async () => {
      const fresh = await SqliteBackend.open(file)
      const ids = [root.id, ...entries.map((e) => e.id)]
      const first = await answers(fresh, root.id, ids)
      await fresh.getTree(root.id)
      expect(first).toEqual(await answers(fresh, root.id, ids))
      await fresh.close()
      return first
    }
    await check()
    // A regular one, then a status leaves verified.
    const file2 = join(dir.dir, 'irr2.db')
    const w2 = await SqliteBackend.open(file2)
    await w2.put(root.id, root.entry, 'verified')
    for (const e of entries) await w2.put(e.id, e.entry, 'verified')
    const tipsBefore = await w2.getTips(root.id)
    await w2.setStatus(tipsBefore[0]!, 'failed')
    await w2.close()
    const fresh = await SqliteBackend.open(file2)
    const tipsAfter = await fresh.getTips(root.id)
    expect(tipsAfter).not.toContain(tipsBefore[0])
    await fresh.getTree(root.id)
    expect(await fresh.getTips(root.id)).toEqual(tipsAfter)
    await fresh.close()
  })

  /**
   * Writes `entries` (root first, parents before children, all verified) to
   * a new file in an old format, as that version's code wrote it: version 1
   * (entries keyed by id, no heights, heads or shapes) or version 2 (the
   * same table with heights, heads and shapes kept in SQL).
   */
  function oldFile(file: string, version: 1 | 2, all: { id: Id; entry: Entry }[]): void {
    const raw = new BetterSqlite3(file)
    raw.pragma('journal_mode = WAL')
    raw.exec(SCHEMA_V1 + (version === 2 ? 'ALTER TABLE entries ADD COLUMN height INTEGER;' + V2_TABLES : ''))
    raw.pragma(`application_id = ${APPLICATION_ID}`)
    raw.pragma(`user_version = ${version}`)
    const insert = raw.prepare('INSERT INTO entries (id, tree, status, is_root, seq, graph, body) VALUES (?, ?, 0, ?, ?, ?, ?)')
    all.forEach(({ id, entry }, i) => insert.run(id, entryTree(id, entry), isRootEntry(entry) ? 1 : 0, i + 1, graphText(entry), JSON.stringify(entry)))
    raw.close()
  }

  for (const version of [1, 2] as const) {
    it(`a version ${version} file is migrated: every entry and answer kept, its databases answered from the graph index, new ones from SQL`, async () => {
      const { root, entries } = randomDag(4, 20)
      const reference = await SqliteBackend.open(join(dir.dir, 'reference.db'))
      for (const e of [root, ...entries]) await reference.put(e.id, e.entry, 'verified')
      const expected = { tips: await reference.getTips(root.id), a: await reference.getStoreTips(root.id, 'a'), tree: await reference.getTree(root.id) }
      await reference.close()
      const file = join(dir.dir, `v${version}.db`)
      oldFile(file, version, [root, ...entries])
      const b = await SqliteBackend.open(file)
      expect(await b.getTips(root.id)).toEqual(expected.tips)
      expect(await b.getStoreTips(root.id, 'a')).toEqual(expected.a)
      expect(await b.getTree(root.id)).toEqual(expected.tree)
      for (const e of entries) expect(await b.getStatus(e.id)).toBe('verified')
      const r2 = makeRoot('after-migration')
      const e2 = makeEntry(r2.id, [r2.id], { s: { data: 'x' } }, 'e2')
      await b.put(r2.id, r2.entry, 'verified')
      await b.put(e2.id, e2.entry, 'verified')
      await b.close()
      const again = await SqliteBackend.open(file)
      expect(await again.getTips(r2.id)).toEqual([e2.id])
      expect(await again.getHeight(r2.id, e2.id)).toBe(1)
      expect(await again.getTips(root.id)).toEqual(expected.tips)
      expect(await again.rootIds()).toEqual([root.id, r2.id].sort())
      await again.close()
      const check = new BetterSqlite3(file, { readonly: true })
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      // The rows kept their change order, new ones came after.
      expect(check.prepare('SELECT id FROM entries ORDER BY seq').pluck().all()).toEqual([root.id, ...entries.map((e) => e.id), r2.id, e2.id])
      expect(check.prepare('SELECT irregular FROM shapes WHERE tree = ?').pluck().get(r2.id)).toBe(0)
      expect(check.prepare('SELECT irregular FROM shapes WHERE tree = ?').pluck().get(root.id)).toBeUndefined()
      check.close()
    })
  }
})
