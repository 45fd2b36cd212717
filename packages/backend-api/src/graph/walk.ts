/**
 * @module
 * Walks of a store's DAG from the top down, in decreasing (height, then
 * increasing id) order, that stop as soon as the answer is known: LCA and
 * path cost O(entries between the inputs and their meeting point), not
 * O(history). They are only correct when every store link goes to a
 * strictly lower tree height (true of every entry the engine builds: a store
 * parent is a main ancestor), so callers use them only when the source says
 * so (`GraphSource.storeLinksDescend`); a link seen breaking it anyway makes
 * them return `undefined`, and the caller uses the full-history algorithm.
 */
import type { Id } from '../entry.js'
import type { GraphSource } from './source.js'
import { TopDownHeap } from './top-down-heap.js'

const BROKEN = Symbol('broken')

/** Store parents of `id` that are in the source and hold `store`; BROKEN when one is not strictly lower. */
function parentsBelow(src: GraphSource, store: string, id: Id, height: number): Id[] | typeof BROKEN {
  const out: Id[] = []
  for (const node of src.entry(id)!.subtrees) {
    if (node.name !== store) continue
    for (const p of node.parents) {
      const parent = src.entry(p)
      if (!parent || !parent.subtrees.some((s) => s.name === store)) continue
      if (src.height(p) >= height) return BROKEN
      out.push(p)
    }
  }
  return out
}

/**
 * LCA by a top-down walk: the first entry popped that every input reaches.
 * `null` when there is no common ancestor; `undefined` to ask for the full algorithm.
 * Inputs must be distinct entries holding `store`.
 */
export function lcaTopDown(src: GraphSource, store: string, ids: readonly Id[]): Id | null | undefined {
  if (ids.length > 30) return undefined // reach sets are bit masks
  const full = 2 ** ids.length - 1
  const reach = new Map<Id, number>()
  const heap = new TopDownHeap()
  ids.forEach((id, i) => {
    reach.set(id, 1 << i)
    heap.push(id, src.height(id))
  })
  while (heap.size > 0) {
    const { id } = heap.pop()
    const mask = reach.get(id)!
    if (mask === full) return id
    const h = src.height(id)
    const parents = parentsBelow(src, store, id, h)
    if (parents === BROKEN) return undefined
    for (const p of parents) {
      const old = reach.get(p)
      if (old === undefined) {
        reach.set(p, mask)
        heap.push(p, src.height(p))
      } else reach.set(p, old | mask)
    }
  }
  return null
}

/**
 * ancestors(to) minus ancestors(from) by a top-down walk that stops once
 * nothing left to visit can be outside from's history. Unordered;
 * `undefined` to ask for the full algorithm.
 */
export function pathTopDown(src: GraphSource, store: string, from: Id, to: readonly Id[]): Id[] | undefined {
  const fromSide = new Map<Id, boolean>() // true: an ancestor-or-self of `from`
  const heap = new TopDownHeap()
  let live = 0 // queued entries not (yet) known to be in from's history
  fromSide.set(from, true)
  heap.push(from, src.height(from))
  for (const id of to) {
    if (fromSide.has(id)) continue
    fromSide.set(id, false)
    heap.push(id, src.height(id))
    live++
  }
  const out: Id[] = []
  while (heap.size > 0 && live > 0) {
    const { id } = heap.pop()
    const excluded = fromSide.get(id)!
    if (!excluded) {
      live--
      out.push(id)
    }
    const parents = parentsBelow(src, store, id, src.height(id))
    if (parents === BROKEN) return undefined
    for (const p of parents) {
      const old = fromSide.get(p)
      if (old === undefined) {
        fromSide.set(p, excluded)
        heap.push(p, src.height(p))
        if (!excluded) live++
      } else if (excluded && !old) {
        // Still queued (it is lower than everything popped so far): it turns out to be in from's history.
        fromSide.set(p, true)
        live--
      }
    }
  }
  return out
}
