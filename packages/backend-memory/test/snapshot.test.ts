import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeEntry, makeRoot, type Fixture } from '@engram/backend-api/conformance'
import type { Backend, Id } from '@engram/backend-api'
import { MemoryBackend } from '../src/index.js'
import { snapshotFs } from '../src/snapshot.node.js'
import { createReloading } from './reloading-backend.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engram-snap-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e))

/** A populated backend: a diamond in store s, one unverified and one failed entry, keys and metadata. */
async function populated(): Promise<{ b: MemoryBackend; tree: Id; all: Fixture[] }> {
  const b = new MemoryBackend()
  const r = makeRoot('snap', { s: { data: 'r' } })
  const a = makeEntry(r.id, [r.id], { s: { parents: [r.id], data: 'a' } }, 'a')
  const c = makeEntry(r.id, [r.id], { s: { parents: [r.id], data: 'c' }, t: {} }, 'c')
  const m = makeEntry(r.id, [a.id, c.id], { s: { parents: [a.id, c.id], data: 'm' } }, 'm')
  const u = makeEntry(r.id, [m.id], { s: { parents: [m.id], data: 'u' } }, 'u')
  const f = makeEntry(r.id, [m.id], {}, 'f')
  const all = [r, a, c, m, u, f]
  // Children first, to check the loaded index does not depend on file order.
  for (const x of [m, a, c, r]) await b.put(x.id, x.entry, 'verified')
  await b.put(u.id, u.entry, 'unverified')
  await b.put(f.id, f.entry, 'failed')
  await b.putLocalKey('_device_key', new Uint8Array(32).fill(3))
  await b.putLocalKey('user:alice', new Uint8Array([1, 2, 3]))
  await b.setMetadata('format', '1')
  return { b, tree: r.id, all }
}

/** Every query answer over a database, as one comparable value. */
async function answers(b: Backend, tree: Id, all: Fixture[]): Promise<unknown> {
  const settle = <T>(p: Promise<T>) => p.catch((e: { code?: string }) => `error:${e.code}`)
  const ids = all.map((f) => f.id)
  const out: unknown[] = [
    await b.getTips(tree),
    await b.getStoreTips(tree, 's'),
    await b.getStoreTips(tree, 't'),
    await b.getTree(tree),
    await b.getStore(tree, 's'),
    await b.rootIds(),
    (await b.treeEntryIds(tree)).sort(),
    await b.idsByStatus('verified'),
    await b.idsByStatus('unverified'),
    await b.idsByStatus('failed'),
    await b.listLocalKeys(),
    await b.getLocalKey('_device_key'),
    await b.getLocalKey('user:alice'),
    await b.getMetadata('format'),
  ]
  for (const x of ids) {
    out.push(await settle(b.get(x)), await settle(b.getStatus(x)), await settle(b.getHeight(tree, x)))
    out.push(await settle(b.getTreeFromTips(tree, [x])), await settle(b.getStoreFromTips(tree, 's', [x])))
    out.push(await settle(b.getStoreTipsUpTo(tree, 's', [x])))
    for (const y of ids) out.push(await settle(b.findLca(tree, 's', [x, y])), await settle(b.getPathFromTo(tree, 's', x, [y])))
  }
  return out
}

describe('save and load', () => {
  it('a loaded snapshot gives identical answers to every query', async () => {
    const { b, tree, all } = await populated()
    const before = await answers(b, tree, all)
    const file = join(dir, 'db.snapshot')
    await b.save(file)
    const loaded = await MemoryBackend.load(file)
    expect(await answers(loaded, tree, all)).toEqual(before)
  })

  it('a loaded backend keeps working: new puts and status changes update its index', async () => {
    const { b, tree, all } = await populated()
    const file = join(dir, 'db.snapshot')
    await b.save(file)
    const loaded = await MemoryBackend.load(file)
    const u = all[4]!
    await loaded.setStatus(u.id, 'verified')
    await b.setStatus(u.id, 'verified')
    const next = makeEntry(tree, [u.id], { s: { parents: [u.id] } }, 'next')
    await loaded.put(next.id, next.entry, 'verified')
    await b.put(next.id, next.entry, 'verified')
    expect(await answers(loaded, tree, [...all, next])).toEqual(await answers(b, tree, [...all, next]))
    expect(await loaded.getTips(tree)).toEqual([next.id]) // the failed entry is no tip
  })

  it('local keys, statuses and metadata survive save → load', async () => {
    const { b, all } = await populated()
    const file = join(dir, 'keys.snapshot')
    await b.save(file)
    const loaded = await MemoryBackend.load(file)
    expect(await loaded.getLocalKey('_device_key')).toEqual(new Uint8Array(32).fill(3))
    expect(await loaded.listLocalKeys()).toEqual(['_device_key', 'user:alice'])
    expect(await loaded.getMetadata('format')).toBe('1')
    expect(await loaded.getStatus(all[4]!.id)).toBe('unverified')
    expect(await loaded.getStatus(all[5]!.id)).toBe('failed')
  })

  it('an empty backend round-trips', async () => {
    const file = join(dir, 'empty.snapshot')
    await new MemoryBackend().save(file)
    const loaded = await MemoryBackend.load(file)
    expect(await loaded.rootIds()).toEqual([])
    expect(await loaded.listLocalKeys()).toEqual([])
  })

  it('saving again replaces the snapshot, leaves no temp files, and the file is private (0600)', async () => {
    const { b, tree } = await populated()
    const file = join(dir, 'again.snapshot')
    await b.save(file)
    const extra = makeEntry(tree, await b.getTips(tree), {}, 'extra')
    await b.put(extra.id, extra.entry, 'verified')
    await b.save(file)
    expect(await (await MemoryBackend.load(file)).getTips(tree)).toEqual([extra.id])
    expect(await readdir(dir)).toEqual(['again.snapshot'])
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  it('the conformance reload wrapper really round-trips through files', async () => {
    const r = await createReloading()
    try {
      const root = makeRoot('wrapper')
      await r.backend.put(root.id, root.entry, 'verified')
      expect(await r.backend.getTips(root.id)).toEqual([root.id])
      expect(r.reloads()).toBe(1)
    } finally {
      await r.dispose()
    }
  })
})

describe('load refuses bad files and leaves them untouched', () => {
  async function expectCorrupt(name: string, bytes: Uint8Array | string): Promise<void> {
    const file = join(dir, name)
    await writeFile(file, bytes)
    const before = await readFile(file)
    const mtime = (await stat(file)).mtimeMs
    expect(await codeOf(MemoryBackend.load(file))).toBe('CORRUPT_SNAPSHOT')
    expect(await readFile(file)).toEqual(before)
    expect((await stat(file)).mtimeMs).toBe(mtime)
  }

  async function validText(): Promise<string> {
    const { b } = await populated()
    const file = join(dir, 'valid.snapshot')
    await b.save(file)
    return readFile(file, 'utf8')
  }

  it('missing file → NOT_FOUND', async () => {
    expect(await codeOf(MemoryBackend.load(join(dir, 'nope.snapshot')))).toBe('NOT_FOUND')
    expect(await codeOf(MemoryBackend.load(join(dir, 'no-dir', 'nope.snapshot')))).toBe('NOT_FOUND')
  })

  it('invalid JSON → CORRUPT_SNAPSHOT', async () => {
    await expectCorrupt('junk', '{"format": "engram-memory-snapshot", oops')
    await expectCorrupt('empty', '')
  })

  it('a truncated file → CORRUPT_SNAPSHOT', async () => {
    const text = await validText()
    await expectCorrupt('truncated', text.slice(0, Math.floor(text.length / 2)))
    await expectCorrupt('one-short', text.slice(0, -1))
  })

  it('an unknown version or another format → CORRUPT_SNAPSHOT', async () => {
    const doc = JSON.parse(await validText())
    await expectCorrupt('v2', JSON.stringify({ ...doc, version: 2 }))
    await expectCorrupt('no-version', JSON.stringify({ ...doc, version: undefined }))
    await expectCorrupt('other-format', JSON.stringify({ ...doc, format: 'something-else' }))
    await expectCorrupt('array', '[]')
  })

  it('a tampered entry (content no longer hashes to its id) → CORRUPT_SNAPSHOT', async () => {
    const doc = JSON.parse(await validText())
    const [id] = Object.keys(doc.entries)
    doc.entries[id!].entry.tree.metadata = '{"tampered":true}'
    await expectCorrupt('tampered', JSON.stringify(doc))
  })

  it('a malformed entry, bad status, bad key or bad metadata → CORRUPT_SNAPSHOT', async () => {
    const doc = JSON.parse(await validText())
    const [id] = Object.keys(doc.entries)
    const variants: [string, (d: any) => void][] = [
      ['shape', (d) => (d.entries[id!].entry.tree.parents = 'x')],
      ['status', (d) => (d.entries[id!].status = 'Verified')],
      ['key', (d) => (d.localKeys._device_key = 'not base64!')],
      ['meta', (d) => (d.metadata.format = 1)],
      ['entries', (d) => (d.entries = [])],
    ]
    for (const [name, change] of variants) {
      const copy = structuredClone(doc)
      change(copy)
      await expectCorrupt(`bad-${name}`, JSON.stringify(copy))
    }
  })

  it('an entry missing from the middle of a chain → CORRUPT_SNAPSHOT', async () => {
    const { b, all } = await populated()
    const [, a] = all
    const file = join(dir, 'gap.snapshot')
    await b.save(file)
    const doc = JSON.parse(await readFile(file, 'utf8'))
    delete doc.entries[a!.id] // m (verified) names a as a parent
    await expectCorrupt('gap', JSON.stringify(doc))
    // Only a store parent missing: c is there, a (and m, which needs a) are not.
    const c = all[2]!
    const storeOnly = makeEntry(all[0]!.id, [c.id], { s: { parents: [a!.id], data: 'x' } }, 'store-parent')
    await b.put(storeOnly.id, storeOnly.entry, 'verified')
    await b.save(file)
    const doc2 = JSON.parse(await readFile(file, 'utf8'))
    delete doc2.entries[a!.id]
    for (const x of all.slice(3)) delete doc2.entries[x.id]
    await expectCorrupt('store-gap', JSON.stringify(doc2))
  })

  it('statuses that contradict the DAG → CORRUPT_SNAPSHOT: a verified entry needs verified parents', async () => {
    const { b, tree, all } = await populated()
    const f = all[5]!
    const g = makeEntry(tree, [f.id], {}, 'tainted child of the failed entry')
    await b.put(g.id, g.entry, 'failed')
    const file = join(dir, 'statuses.snapshot')
    await b.save(file)
    const doc = JSON.parse(await readFile(file, 'utf8'))
    const variants: [string, (d: any) => void][] = [
      ['failed child made verified', (d) => (d.entries[g.id].status = 'verified')],
      ['parent made unverified', (d) => (d.entries[all[1]!.id].status = 'unverified')],
      ['root made failed', (d) => (d.entries[tree].status = 'failed')],
    ]
    for (const [name, change] of variants) {
      const copy = structuredClone(doc)
      change(copy)
      await expectCorrupt(name.replace(/ /g, '-'), JSON.stringify(copy))
    }
  })

  it('a verified entry whose parent belongs to another database → CORRUPT_SNAPSHOT', async () => {
    const { b, all } = await populated()
    const other = makeRoot('other', {})
    const cross = makeEntry(all[0]!.id, [other.id], {}, 'cross')
    await b.put(other.id, other.entry, 'verified')
    await b.put(cross.id, cross.entry, 'verified')
    const file = join(dir, 'cross.snapshot')
    await b.save(file)
    await expectCorrupt('cross', await readFile(file))
  })

  it('unverified and failed entries may wait on parents that are not there', async () => {
    const { b, tree, all } = await populated()
    const missing = makeEntry(tree, [all[3]!.id], {}, 'never stored')
    const waiting = makeEntry(tree, [missing.id], {}, 'waiting')
    const failed = makeEntry(tree, [missing.id], {}, 'failed on a missing parent')
    await b.put(waiting.id, waiting.entry, 'unverified')
    await b.put(failed.id, failed.entry, 'failed')
    const file = join(dir, 'waiting.snapshot')
    await b.save(file)
    const loaded = await MemoryBackend.load(file)
    expect(await loaded.getStatus(waiting.id)).toBe('unverified')
    expect(await loaded.getStatus(failed.id)).toBe('failed')
  })

  it('bytes that are not UTF-8 → CORRUPT_SNAPSHOT', async () => {
    await expectCorrupt('binary', new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]))
  })
})

describe('atomic save', () => {
  it('a failed rename leaves the previous snapshot intact and no temp file behind', async () => {
    const { b, tree } = await populated()
    const file = join(dir, 'atomic.snapshot')
    await b.save(file)
    const before = await readFile(file)
    const extra = makeEntry(tree, await b.getTips(tree), {}, 'lost')
    await b.put(extra.id, extra.entry, 'verified')
    const realRename = snapshotFs.rename
    snapshotFs.rename = async () => {
      throw Object.assign(new Error('simulated rename failure'), { code: 'EIO' })
    }
    try {
      expect(await codeOf(b.save(file))).toBe('SNAPSHOT_WRITE_FAILED')
    } finally {
      snapshotFs.rename = realRename
    }
    expect(await readFile(file)).toEqual(before)
    expect(await readdir(dir)).toEqual(['atomic.snapshot'])
    expect(await (await MemoryBackend.load(file)).has(extra.id)).toBe(false)
    await b.save(file) // and a later save works
    expect(await (await MemoryBackend.load(file)).has(extra.id)).toBe(true)
  })

  it('a snapshot name of up to 255 bytes saves (the temp name stays short)', async () => {
    const { b, tree, all } = await populated()
    for (const length of [238, 246, 255]) {
      const file = join(dir, 's'.repeat(length))
      await b.save(file)
      await b.save(file) // replacing it too
      expect(await (await MemoryBackend.load(file)).getTips(tree)).toEqual(await b.getTips(tree))
    }
    const multibyte = join(dir, 'é'.repeat(127)) // 254 bytes
    await b.save(multibyte)
    expect(await (await MemoryBackend.load(multibyte)).has(all[0]!.id)).toBe(true)
    expect((await readdir(dir)).every((name) => !name.endsWith('.tmp'))).toBe(true)
  })

  it('saving into a missing folder → SNAPSHOT_WRITE_FAILED', async () => {
    expect(await codeOf(new MemoryBackend().save(join(dir, 'missing', 'x.snapshot')))).toBe('SNAPSHOT_WRITE_FAILED')
  })

  it('save and load check their path argument', async () => {
    expect(await codeOf(new MemoryBackend().save(42 as never))).toMatch(/TypeError/)
    expect(await codeOf(MemoryBackend.load(undefined as never))).toMatch(/TypeError/)
  })
})
