/**
 * @module
 * Conformance cases for the required primitives: entries, statuses, local
 * keys and instance metadata.
 */
import { expect, it } from 'vitest'
import { entryId } from '../encode.js'
import { makeEntry, makeRoot } from './fixtures.js'
import { expectArgumentError, expectCode, putAll, type WithBackend } from './helpers.js'

const MISSING = 'sha256:' + '0'.repeat(64)

export function entryCases(use: WithBackend): void {
  it('put then get returns an equal entry that hashes to its id', use(async (b) => {
    const r = makeRoot('rt', { notes: { data: 'hello "world"\n' } })
    const a = makeEntry(r.id, [r.id], { notes: { parents: [r.id], data: 'ünïcode ✓' }, empty: {} })
    await putAll(b, [r, a])
    expect(await b.get(r.id)).toEqual(r.entry)
    const got = await b.get(a.id)
    expect(got).toEqual(a.entry)
    expect(entryId(got)).toBe(a.id)
    expect('data' in got.subtrees.find((s) => s.name === 'empty')!).toBe(false)
  }))

  it('keeps delegation keys and pubkeys intact', use(async (b) => {
    const r = makeRoot('deleg')
    const entry = {
      ...makeEntry(r.id, [r.id]).entry,
      sig: { sig: 'c2ln', key: [{ key: 'parent', tips: [r.id] }, { key: 'final', tips: null }], pubkey: 'ed25519:AAAA' },
    }
    const id = entryId(entry)
    await b.put(id, entry, 'verified')
    const got = await b.get(id)
    expect(got).toEqual(entry)
    expect(entryId(got)).toBe(id)
  }))

  it('get, getStatus and setStatus of an unknown id throw ENTRY_NOT_FOUND', use(async (b) => {
    await expectCode(b.get(MISSING), 'ENTRY_NOT_FOUND')
    await expectCode(b.getStatus(MISSING), 'ENTRY_NOT_FOUND')
    await expectCode(b.setStatus(MISSING, 'verified'), 'ENTRY_NOT_FOUND')
  }))

  it('has tells stored ids from unknown ones, whatever the status', use(async (b) => {
    const r = makeRoot('has')
    const a = makeEntry(r.id, [r.id])
    await b.put(r.id, r.entry, 'verified')
    await b.put(a.id, a.entry, 'failed')
    expect(await b.has(r.id)).toBe(true)
    expect(await b.has(a.id)).toBe(true)
    expect(await b.has(MISSING)).toBe(false)
  }))

  it('put refuses an id that is not the entry\'s content id, storing nothing', use(async (b) => {
    const r = makeRoot('mismatch')
    const other = makeRoot('other')
    await expectCode(b.put(other.id, r.entry, 'verified'), 'INVALID_ENTRY')
    expect(await b.has(other.id)).toBe(false)
    expect(await b.has(r.id)).toBe(false)
    expect(await b.rootIds()).toEqual([])
  }))

  it('put refuses malformed entries with INVALID_ENTRY', use(async (b) => {
    const r = makeRoot('malformed')
    const a = makeEntry(r.id, [r.id])
    const bad: unknown[] = [
      null,
      { ...a.entry, tree: { ...a.entry.tree, parents: [r.id, r.id] } }, // duplicate parents
      { ...a.entry, tree: { ...a.entry.tree, parents: ['not-an-id'] } },
      { ...a.entry, tree: { ...a.entry.tree, parents: [] } }, // non-root without parents
      { ...r.entry, tree: { ...r.entry.tree, parents: [a.id] } }, // _root with parents
      { ...a.entry, subtrees: [{ name: 'b', parents: [] }, { name: 'a', parents: [] }] }, // unsorted
      { ...a.entry, sig: { sig: 42, key: '' } },
      { ...a.entry, extra: true },
    ]
    for (const entry of bad) {
      const id = entry === null ? MISSING : entryId(entry as never)
      await expectCode(b.put(id, entry as never, 'verified'), 'INVALID_ENTRY')
      expect(await b.has(id)).toBe(false)
    }
  }))

  it('put with an unknown status is an argument error', use(async (b) => {
    const r = makeRoot('status-arg')
    await expectArgumentError(b.put(r.id, r.entry, 'trusted' as never))
    await b.put(r.id, r.entry, 'verified')
    await expectArgumentError(b.setStatus(r.id, 'Verified' as never))
    await expectArgumentError(b.idsByStatus('nope' as never))
  }))

  it('re-putting a known id is a no-op that keeps the first status', use(async (b) => {
    const r = makeRoot('reput')
    await b.put(r.id, r.entry, 'unverified')
    await b.put(r.id, r.entry, 'verified')
    await b.put(r.id, r.entry, 'failed')
    expect(await b.getStatus(r.id)).toBe('unverified')
    expect(await b.idsByStatus('unverified')).toEqual([r.id])
    expect(await b.rootIds()).toEqual([r.id])
    expect(await b.treeEntryIds(r.id)).toEqual([r.id])
  }))

  it('get returns a copy: changing it does not change storage', use(async (b) => {
    const r = makeRoot('copy', { s: { data: 'x' } })
    const original = structuredClone(r.entry)
    await b.put(r.id, r.entry, 'verified')
    r.entry.subtrees[0]!.data = 'changed after put'
    const got = await b.get(r.id)
    got.subtrees.pop()
    got.tree.metadata = 'changed'
    expect(await b.get(r.id)).toEqual(original)
    const [fromTree] = await b.getTree(r.id)
    fromTree!.tree.parents.push(r.id)
    expect(await b.get(r.id)).toEqual(original)
  }))

  it('stores each status as given and follows status transitions', use(async (b) => {
    const r = makeRoot('status')
    const a = makeEntry(r.id, [r.id], {}, 'a')
    const c = makeEntry(r.id, [r.id], {}, 'c')
    await b.put(r.id, r.entry, 'verified')
    await b.put(a.id, a.entry, 'unverified')
    await b.put(c.id, c.entry, 'failed')
    expect(await b.getStatus(r.id)).toBe('verified')
    expect(await b.getStatus(a.id)).toBe('unverified')
    expect(await b.getStatus(c.id)).toBe('failed')
    await b.setStatus(a.id, 'verified')
    expect(await b.getStatus(a.id)).toBe('verified')
    await b.setStatus(a.id, 'failed')
    expect(await b.getStatus(a.id)).toBe('failed')
    await b.setStatus(c.id, 'unverified')
    expect(await b.getStatus(c.id)).toBe('unverified')
  }))

  it('idsByStatus lists each status sorted by id and follows setStatus', use(async (b) => {
    const r = makeRoot('bystatus')
    const kids = [1, 2, 3, 4, 5].map((n) => makeEntry(r.id, [r.id], {}, n))
    await b.put(r.id, r.entry, 'verified')
    await putAll(b, kids, 'unverified')
    const sorted = kids.map((k) => k.id).sort()
    expect(await b.idsByStatus('unverified')).toEqual(sorted)
    expect(await b.idsByStatus('verified')).toEqual([r.id])
    expect(await b.idsByStatus('failed')).toEqual([])
    await b.setStatus(kids[0]!.id, 'failed')
    await b.setStatus(kids[1]!.id, 'verified')
    expect(await b.idsByStatus('failed')).toEqual([kids[0]!.id])
    expect(await b.idsByStatus('verified')).toEqual([r.id, kids[1]!.id].sort())
    expect(await b.idsByStatus('unverified')).toEqual(sorted.filter((id) => id !== kids[0]!.id && id !== kids[1]!.id))
  }))

  it('rootIds lists only root entries, of every database, sorted', use(async (b) => {
    const roots = [makeRoot('r1'), makeRoot('r2'), makeRoot('r3')]
    const child = makeEntry(roots[0]!.id, [roots[0]!.id])
    await putAll(b, [...roots, child])
    expect(await b.rootIds()).toEqual(roots.map((r) => r.id).sort())
  }))

  it('treeEntryIds lists the root and every entry naming it, any status, no others', use(async (b) => {
    const r = makeRoot('tei')
    const other = makeRoot('tei-other')
    const a = makeEntry(r.id, [r.id], {}, 'a')
    const c = makeEntry(r.id, [a.id], {}, 'c')
    const x = makeEntry(other.id, [other.id])
    await putAll(b, [r, other, x])
    await b.put(a.id, a.entry, 'unverified')
    await b.put(c.id, c.entry, 'failed')
    expect((await b.treeEntryIds(r.id)).sort()).toEqual([r.id, a.id, c.id].sort())
    expect((await b.treeEntryIds(other.id)).sort()).toEqual([other.id, x.id].sort())
    expect(await b.treeEntryIds(MISSING)).toEqual([])
  }))

  it('local keys: put, get, overwrite; unknown names give undefined', use(async (b) => {
    expect(await b.getLocalKey('_device_key')).toBeUndefined()
    await b.putLocalKey('_device_key', new Uint8Array(32).fill(7))
    expect(await b.getLocalKey('_device_key')).toEqual(new Uint8Array(32).fill(7))
    await b.putLocalKey('_device_key', new Uint8Array([1, 2, 3]))
    expect(await b.getLocalKey('_device_key')).toEqual(new Uint8Array([1, 2, 3]))
    expect(await b.getLocalKey('other')).toBeUndefined()
  }))

  it('local keys: listLocalKeys is sorted; delete removes; deleting an absent key is fine', use(async (b) => {
    for (const name of ['zeta', 'alpha', '_device_key', 'user:bob']) await b.putLocalKey(name, new Uint8Array([1]))
    expect(await b.listLocalKeys()).toEqual(['_device_key', 'alpha', 'user:bob', 'zeta'])
    await b.deleteLocalKey('alpha')
    await b.deleteLocalKey('never-stored')
    expect(await b.listLocalKeys()).toEqual(['_device_key', 'user:bob', 'zeta'])
    expect(await b.getLocalKey('alpha')).toBeUndefined()
  }))

  it('local keys: the caller may wipe what it passed in or got back', use(async (b) => {
    const key = new Uint8Array([9, 8, 7, 6])
    await b.putLocalKey('k', key)
    key.fill(0)
    const got = await b.getLocalKey('k')
    expect(got).toEqual(new Uint8Array([9, 8, 7, 6]))
    got!.fill(0)
    expect(await b.getLocalKey('k')).toEqual(new Uint8Array([9, 8, 7, 6]))
  }))

  it('instance metadata: unset is undefined; set, get and overwrite', use(async (b) => {
    expect(await b.getMetadata('format')).toBeUndefined()
    await b.setMetadata('format', '1')
    await b.setMetadata('created', '2025-01-01T00:00:00Z')
    expect(await b.getMetadata('format')).toBe('1')
    await b.setMetadata('format', '2')
    expect(await b.getMetadata('format')).toBe('2')
    expect(await b.getMetadata('created')).toBe('2025-01-01T00:00:00Z')
    await b.setMetadata('empty', '')
    expect(await b.getMetadata('empty')).toBe('')
  }))

  it('wrong argument types are TypeErrors, not crashes', use(async (b) => {
    await expectArgumentError(b.get(42 as never))
    await expectArgumentError(b.getTips(undefined as never))
    await expectArgumentError(b.putLocalKey('k', 'not bytes' as never))
    await expectArgumentError(b.setMetadata('k', 5 as never))
    await expectArgumentError(b.getTreeFromTips(MISSING, 'not-a-list' as never))
  }))
}
