import { describe, expect, it, vi } from 'vitest'
import { makeEntry, makeRoot, type Fixture } from '@engram/backend-api/conformance'
import { MemoryBackend } from '../src/index.js'
import { TreeIndex } from '../src/tree-index.js'

function chain(n: number, seed: string): Fixture[] {
  const r = makeRoot(seed, { s: {} })
  const out = [r]
  for (let i = 1; i < n; i++) out.push(makeEntry(r.id, [out[i - 1]!.id], { s: { parents: [out[i - 1]!.id] } }, i))
  return out
}

describe('incremental index', () => {
  it('getTips, getStoreTips and getHeight read the index without scanning entries', async () => {
    const b = new MemoryBackend()
    const all = chain(500, 'noscan')
    for (const f of all) await b.put(f.id, f.entry, 'verified')
    const scan = vi.spyOn(TreeIndex.prototype, 'ids')
    const treeIds = vi.spyOn(b, 'treeEntryIds')
    const tree = all[0]!.id
    const last = all[all.length - 1]!.id
    expect(await b.getTips(tree)).toEqual([last])
    expect(await b.getStoreTips(tree, 's')).toEqual([last])
    expect(await b.getHeight(tree, last)).toBe(499)
    expect(scan).not.toHaveBeenCalled()
    expect(treeIds).not.toHaveBeenCalled()
    scan.mockRestore()
  })

  it('a chain put in reverse gets the same heights as in order', async () => {
    const all = chain(300, 'reverse-chain')
    const forward = new MemoryBackend()
    const backward = new MemoryBackend()
    for (const f of all) await forward.put(f.id, f.entry, 'verified')
    for (const f of [...all].reverse()) await backward.put(f.id, f.entry, 'verified')
    const tree = all[0]!.id
    for (const f of all) expect(await backward.getHeight(tree, f.id)).toBe(await forward.getHeight(tree, f.id))
    expect(await backward.getTips(tree)).toEqual(await forward.getTips(tree))
  })

  it('a verified entry in the middle that fails splits the chain, and verifying it again rejoins it', async () => {
    const all = chain(10, 'split')
    const b = new MemoryBackend()
    for (const f of all) await b.put(f.id, f.entry, 'verified')
    const tree = all[0]!.id
    await b.setStatus(all[5]!.id, 'failed')
    expect(await b.getHeight(tree, all[9]!.id)).toBe(3) // 6,7,8,9 now start at 0
    expect((await b.getTips(tree)).sort()).toEqual([all[4]!.id, all[9]!.id].sort())
    expect((await b.getStoreTips(tree, 's')).sort()).toEqual([all[4]!.id, all[9]!.id].sort())
    await b.setStatus(all[5]!.id, 'verified')
    expect(await b.getHeight(tree, all[9]!.id)).toBe(9)
    expect(await b.getTips(tree)).toEqual([all[9]!.id])
  })
})
