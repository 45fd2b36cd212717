import { describe, expect, it } from 'vitest'
import { lca, pathFromTo, snapshotSource, type Entry, type GraphSource, type Id } from '../src/index.js'
import { makeEntry, makeRoot, type StoreSpec } from '../src/conformance/index.js'

/** Random DAG: each entry has 1–3 main parents among earlier entries and, in store s, 0–2 store parents among earlier store entries. */
function randomDag(seed: number, n: number, jumps: boolean) {
  let a = seed
  const rand = () => {
    a = (a * 1103515245 + 12345) & 0x7fffffff
    return a / 0x7fffffff
  }
  const root = makeRoot(`walk-${seed}`, { s: {} })
  const ids: Id[] = [root.id]
  const inStore: Id[] = [root.id]
  const entries = new Map<Id, Entry>([[root.id, root.entry]])
  for (let i = 1; i < n; i++) {
    const pick = (list: Id[], k: number) => [...new Set(Array.from({ length: k }, () => list[Math.floor(rand() * list.length)]!))]
    // Without jumps, store parents are main ancestors (as the engine builds them): pick among the main parents' store history.
    const parents = pick(ids.slice(Math.max(0, ids.length - 6)), 1 + Math.floor(rand() * 3))
    const storeChoices = jumps ? inStore : inStore.filter((s) => ancestors(entries, parents).has(s))
    const hasStore = rand() < 0.7 && storeChoices.length > 0
    const stores: Record<string, StoreSpec> = hasStore ? { s: { parents: pick(storeChoices, Math.floor(rand() * 3)) } } : {}
    const f = makeEntry(root.id, parents, stores, i)
    ids.push(f.id)
    entries.set(f.id, f.entry)
    if (hasStore) inStore.push(f.id)
  }
  return { entries, inStore }
}

function ancestors(entries: Map<Id, Entry>, starts: Id[]): Set<Id> {
  const seen = new Set<Id>(starts)
  const stack = [...starts]
  while (stack.length) for (const p of entries.get(stack.pop()!)!.tree.parents) if (!seen.has(p)) (seen.add(p), stack.push(p))
  return seen
}

/** The definitions, computed naively over full store-ancestor sets. */
function storeAncestors(src: GraphSource, id: Id): Set<Id> {
  const seen = new Set<Id>([id])
  const stack = [id]
  while (stack.length) {
    const node = src.entry(stack.pop()!)!.subtrees.find((s) => s.name === 's')!
    for (const p of node.parents) if (!seen.has(p) && src.entry(p)) (seen.add(p), stack.push(p))
  }
  return seen
}

function naiveLca(src: GraphSource, ids: Id[]): Id | 'none' {
  if (new Set(ids).size === 1) return ids[0]! // documented: one id is its own LCA
  const sets = ids.map((id) => storeAncestors(src, id))
  const common = [...sets[0]!].filter((x) => sets.every((s) => s.has(x)))
  common.sort((x, y) => src.height(y) - src.height(x) || (x < y ? -1 : 1))
  return common[0] ?? 'none'
}

function naivePath(src: GraphSource, from: Id, to: Id[]): Id[] {
  const before = storeAncestors(src, from)
  const after = new Set(to.flatMap((t) => [...storeAncestors(src, t)]))
  return [...after].filter((x) => !before.has(x)).sort((x, y) => src.height(x) - src.height(y) || (x < y ? -1 : 1))
}

describe('top-down LCA and path walks agree with the definitions', () => {
  for (const jumps of [false, true])
    it(`on random DAGs ${jumps ? 'with' : 'without'} store links across branches`, () => {
      for (let seed = 1; seed <= 25; seed++) {
        const { entries, inStore } = randomDag(seed, 40, jumps)
        const src = snapshotSource(entries)
        const tree = [...entries.keys()][0]!
        for (let k = 0; k < 30; k++) {
          const x = inStore[(seed * 7 + k * 13) % inStore.length]!
          const y = inStore[(seed * 3 + k * 29) % inStore.length]!
          const z = inStore[(seed + k * 5) % inStore.length]!
          const expected = naiveLca(src, [x, y, z])
          let got: string
          try {
            got = lca(src, tree, 's', [x, y, z])
          } catch (err) {
            got = (err as { code: string }).code === 'NO_COMMON_ANCESTOR' ? 'none' : String(err)
          }
          expect(got).toBe(expected)
          expect(pathFromTo(src, tree, 's', x, [y, z])).toEqual(naivePath(src, x, [y, z]))
        }
      }
    })
})
