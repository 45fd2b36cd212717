import { describe, expect, it } from 'vitest'
import { MemoryBackend } from '../src/index.js'
import { makeEntry, makeRoot } from '@engram/backend-api/conformance'

describe('smoke', () => {
  it('tips', async () => {
    const b = new MemoryBackend()
    const r = makeRoot(1, { s: { data: '1' } })
    const a = makeEntry(r.id, [r.id], { s: { parents: [r.id], data: 'a' } })
    const c = makeEntry(r.id, [a.id], {}, 2)
    await b.put(c.id, c.entry, 'verified')
    await b.put(a.id, a.entry, 'verified')
    expect(await b.getTips(r.id)).toEqual([c.id].sort())
    await b.put(r.id, r.entry, 'verified')
    expect(await b.getTips(r.id)).toEqual([c.id])
    expect(await b.getHeight(r.id, c.id)).toBe(2)
    expect(await b.getStoreTips(r.id, 's')).toEqual([a.id])
  })
})

describe('snapshot smoke', () => {
  it('save and load', async () => {
    const { mkdtemp } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const dir = await mkdtemp(`${tmpdir()}/engram-`)
    const b = new MemoryBackend()
    const r = makeRoot(1)
    await b.put(r.id, r.entry, 'verified')
    await b.putLocalKey('k', new Uint8Array([1, 2]))
    await b.save(`${dir}/s.json`)
    const c = await MemoryBackend.load(`${dir}/s.json`)
    expect(await c.getTips(r.id)).toEqual([r.id])
    expect(await c.getLocalKey('k')).toEqual(new Uint8Array([1, 2]))
  })
})
