/**
 * Crash safety and two writers, with real processes: a writer killed
 * (SIGKILL) at random moments, 50 times, over one file; and two writers on
 * one file at once.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entryId, type Entry } from '@engram/backend-api'
import { SqliteBackend } from '../src/index.js'
import { tempDir } from './helpers.js'
import { bundleChild, startWriter } from './processes.js'

function rootEntry(seed: string): { id: string; entry: Entry } {
  const entry: Entry = { tree: { root: '', parents: [], metadata: JSON.stringify({ seed }) }, subtrees: [{ name: '_root', parents: [], data: '' }, { name: 's', parents: [] }], sig: { sig: null, key: '' } }
  return { id: entryId(entry), entry }
}

/** Opens the file and checks it: every acknowledged id present and whole, every stored entry hashes to its id, one tip set. */
async function check(file: string, root: string, acked: readonly string[], full = true): Promise<{ total: number; tips: string[] }> {
  const b = await SqliteBackend.open(file)
  try {
    for (const id of acked) expect(await b.getStatus(id)).toBe('verified')
    const ids = await b.treeEntryIds(root)
    if (full) for (const id of ids) expect(entryId(await b.get(id))).toBe(id) // `get` re-hashes too
    const tips = await b.getTips(root)
    expect(tips.length).toBeGreaterThan(0)
    expect(await b.getTree(root)).toHaveLength(ids.length)
    return { total: ids.length, tips }
  } finally {
    await b.close()
  }
}

let dir: { dir: string; dispose: () => Promise<void> }
beforeAll(async () => {
  dir = await tempDir()
  await bundleChild()
}, 60_000)
afterAll(() => dir.dispose())

describe('SqliteBackend with real processes', () => {
  it('a writer killed mid-write 50 times: the file reopens, no half entry, every acknowledged write present', async () => {
    const file = join(dir.dir, 'crash.db')
    const r = rootEntry('crash')
    const setup = await SqliteBackend.open(file)
    await setup.put(r.id, r.entry, 'verified')
    await setup.close()
    const acked: string[] = []
    let lastMeta: string | undefined
    for (let round = 0; round < 50; round++) {
      const w = await startWriter(file, `round${round}`, 100_000, 'chain')
      await Promise.race([w.firstAck, w.exited])
      // Let it write for a random 0–40 ms, then kill it wherever it is.
      await new Promise((res) => setTimeout(res, Math.random() * 40))
      w.child.kill('SIGKILL')
      await w.exited
      expect(w.stderr()).toBe('')
      expect(w.acked.length).toBeGreaterThan(0)
      acked.push(...w.acked)
      lastMeta = w.metaAcked.at(-1) ?? lastMeta
      const { total } = await check(file, r.id, w.acked, false)
      // At most the one write in flight at the kill may have landed unacknowledged.
      expect(total).toBeGreaterThanOrEqual(acked.length + 1)
      expect(total).toBeLessThanOrEqual(acked.length + round + 2)
    }
    const { total, tips } = await check(file, r.id, acked)
    expect(total).toBeGreaterThan(50)
    expect(tips.length).toBeGreaterThanOrEqual(1)
    const b = await SqliteBackend.open(file)
    try {
      for (const id of acked) expect((await b.get(id)).tree.root).toBe(r.id)
      if (lastMeta !== undefined) expect((await b.listLocalKeys()).length).toBeGreaterThan(0)
    } finally {
      await b.close()
    }
  }, 180_000)

  it('two processes writing to one file at once: every write of both lands, and each builds on the other\'s', async () => {
    const file = join(dir.dir, 'two.db')
    const r = rootEntry('two')
    const setup = await SqliteBackend.open(file)
    await setup.put(r.id, r.entry, 'verified')
    await setup.close()
    const [a, c] = await Promise.all([startWriter(file, 'a', 150, 'shared'), startWriter(file, 'c', 150, 'shared')])
    const codes = await Promise.all([a.exited, c.exited])
    expect(a.stderr() + c.stderr()).toBe('')
    expect(codes).toEqual([0, 0])
    expect(a.acked).toHaveLength(150)
    expect(c.acked).toHaveLength(150)
    const { total, tips } = await check(file, r.id, [...a.acked, ...c.acked])
    expect(total).toBe(301)
    expect(tips.length).toBeLessThanOrEqual(2)
    // Some entry of each writer names an entry of the other as a parent: each saw the other's writes.
    const b = await SqliteBackend.open(file)
    try {
      const ofA = new Set(a.acked)
      const ofC = new Set(c.acked)
      let aOnC = false
      let cOnA = false
      for (const id of a.acked) if ((await b.get(id)).tree.parents.some((p) => ofC.has(p))) aOnC = true
      for (const id of c.acked) if ((await b.get(id)).tree.parents.some((p) => ofA.has(p))) cOnA = true
      expect(aOnC || cOnA).toBe(true)
    } finally {
      await b.close()
    }
  }, 120_000)
})
