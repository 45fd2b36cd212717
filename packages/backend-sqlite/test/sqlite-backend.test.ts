/** What SqliteBackend adds to the conformance suite: the file format, durability across reopen, typed errors. */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeEntry, makeRoot } from '@engram/backend-api/conformance'
import { SqliteBackend } from '../src/index.js'
import { SCHEMA_VERSION } from '../src/schema.js'
import { tempDir } from './helpers.js'

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

let dir: { dir: string; dispose: () => Promise<void> }
beforeEach(async () => {
  dir = await tempDir()
})
afterEach(() => dir.dispose())

describe('SqliteBackend file', () => {
  it('keeps entries, statuses, local keys, metadata and checkpoints across close and reopen', async () => {
    const file = join(dir.dir, 'e.db')
    const r = makeRoot('reopen', { s: { data: 'r' } })
    const a = makeEntry(r.id, [r.id], { s: { parents: [r.id], data: 'a' } }, 'a')
    const u = makeEntry(r.id, [a.id], {}, 'u')
    let b = await SqliteBackend.open(file)
    await b.put(r.id, r.entry, 'verified')
    await b.put(a.id, a.entry, 'verified')
    await b.put(u.id, u.entry, 'unverified')
    await b.putLocalKey('_device_key', new Uint8Array([1, 2, 3]))
    await b.setMetadata('format', '1')
    await b.putCheckpoint({ tree: r.id, store: 's', kind: 'doc', tips: [a.id], height: 1, data: 'state' })
    await b.close()
    b = await SqliteBackend.open(file)
    try {
      expect(await b.get(a.id)).toEqual(a.entry)
      expect(await b.getStatus(u.id)).toBe('unverified')
      expect(await b.getTips(r.id)).toEqual([a.id])
      expect(await b.getStoreTips(r.id, 's')).toEqual([a.id])
      expect(await b.getLocalKey('_device_key')).toEqual(new Uint8Array([1, 2, 3]))
      expect(await b.getMetadata('format')).toBe('1')
      expect((await b.getCheckpoints(r.id, 's', 'doc'))[0]?.data).toBe('state')
    } finally {
      await b.close()
    }
  })

  it('a file written by a newer schema → UNSUPPORTED_FORMAT, and the file is untouched', async () => {
    const file = join(dir.dir, 'newer.db')
    await (await SqliteBackend.open(file)).close()
    const raw = new BetterSqlite3(file)
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()
    const before = await readFile(file)
    expect(await codeOf(SqliteBackend.open(file))).toBe('UNSUPPORTED_FORMAT')
    expect(await readFile(file)).toEqual(before)
  })

  it('a file that is not an Engram store → CORRUPT_STORE, and the file is untouched', async () => {
    const garbage = join(dir.dir, 'notes.txt')
    await writeFile(garbage, 'these are my notes, not a database\n'.repeat(200))
    const before = await readFile(garbage)
    expect(await codeOf(SqliteBackend.open(garbage))).toBe('CORRUPT_STORE')
    expect(await readFile(garbage)).toEqual(before)

    const other = join(dir.dir, 'other-app.db')
    const raw = new BetterSqlite3(other)
    raw.exec('CREATE TABLE people (name TEXT); INSERT INTO people VALUES (\'ada\')')
    raw.close()
    const otherBefore = await readFile(other)
    expect(await codeOf(SqliteBackend.open(other))).toBe('CORRUPT_STORE')
    expect(await readFile(other)).toEqual(otherBefore)
  })

  it('a missing folder → STORAGE_ERROR; a bad path argument → TypeError/RangeError', async () => {
    expect(await codeOf(SqliteBackend.open(join(dir.dir, 'no', 'such', 'folder', 'e.db')))).toBe('STORAGE_ERROR')
    await expect(SqliteBackend.open(42 as never)).rejects.toBeInstanceOf(TypeError)
    await expect(SqliteBackend.open(':memory:')).rejects.toBeInstanceOf(RangeError)
  })

  it('a damaged entry row → CORRUPT_STORE on read, never a wrong entry', async () => {
    const file = join(dir.dir, 'tampered.db')
    const r = makeRoot('tamper', { s: { data: 'original' } })
    let b = await SqliteBackend.open(file)
    await b.put(r.id, r.entry, 'verified')
    await b.close()
    const raw = new BetterSqlite3(file)
    raw.prepare('UPDATE entries SET body = replace(body, ?, ?)').run('original', 'tampered')
    raw.close()
    b = await SqliteBackend.open(file)
    try {
      expect(await codeOf(b.get(r.id))).toBe('CORRUPT_STORE')
      expect(await codeOf(b.getTree(r.id))).toBe('CORRUPT_STORE')
    } finally {
      await b.close()
    }
  })

  it('a full disk (size limit) → STORAGE_FULL, nothing half-written, and the next write works once there is room', async () => {
    const file = join(dir.dir, 'full.db')
    const r = makeRoot('full')
    let b = await SqliteBackend.open(file, { maxSizeBytes: 256 * 1024 })
    await b.put(r.id, r.entry, 'verified')
    let parent = r.id
    let failed: string | undefined
    const stored: string[] = []
    for (let i = 0; i < 1000 && failed === undefined; i++) {
      const e = makeEntry(r.id, [parent], { s: { data: 'x'.repeat(3000) + i } }, i)
      const code = await codeOf(b.put(e.id, e.entry, 'verified'))
      if (code === undefined) {
        stored.push(e.id)
        parent = e.id
      } else {
        failed = code
        expect(await b.has(e.id)).toBe(false) // nothing half-written
      }
    }
    expect(failed).toBe('STORAGE_FULL')
    expect(await b.getTips(r.id)).toEqual([parent])
    // Small writes that fit still work on the full file; a bigger limit takes the big one.
    await b.setMetadata('k', 'v')
    await b.close()
    b = await SqliteBackend.open(file, { maxSizeBytes: 16 * 1024 * 1024 })
    try {
      const next = makeEntry(r.id, [parent], { s: { data: 'y'.repeat(3000) } }, 'next')
      await b.put(next.id, next.entry, 'verified')
      expect(await b.getTips(r.id)).toEqual([next.id])
      expect((await b.treeEntryIds(r.id)).length).toBe(stored.length + 2)
      expect(await b.getMetadata('k')).toBe('v')
    } finally {
      await b.close()
    }
  })

  it('after close every call → BACKEND_CLOSED; close is idempotent', async () => {
    const b = await SqliteBackend.open(join(dir.dir, 'closed.db'))
    await b.close()
    await b.close()
    const r = makeRoot('closed')
    expect(await codeOf(b.put(r.id, r.entry, 'verified'))).toBe('BACKEND_CLOSED')
    expect(await codeOf(b.get(r.id))).toBe('BACKEND_CLOSED')
    expect(await codeOf(b.getTips(r.id))).toBe('BACKEND_CLOSED')
    expect(await codeOf(b.getMetadata('x'))).toBe('BACKEND_CLOSED')
    expect(() => b.watch(() => {})).toThrow(expect.objectContaining({ code: 'BACKEND_CLOSED' }))
  })

  it('two handles opening a new file at once both get a working schema', async () => {
    const file = join(dir.dir, 'race.db')
    const [x, y] = await Promise.all([SqliteBackend.open(file), SqliteBackend.open(file)])
    const r = makeRoot('race')
    await x.put(r.id, r.entry, 'verified')
    expect(await y.getTips(r.id)).toEqual([r.id])
    await Promise.all([x.close(), y.close()])
  })
})
