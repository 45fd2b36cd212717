/**
 * @module
 * The view of one database that the shared graph algorithms read: its
 * verified entries and their tree heights. A backend supplies it either as a
 * {@link snapshotSource} (computed from the entries) or from an index it keeps.
 */
import type { Entry, Id } from '../entry.js'
import { InvalidEntryError } from '../errors.js'

/** The verified entries of one database, with their tree heights. Synchronous. */
export interface GraphSource {
  /** The verified entry of this database with this id, or `undefined`. */
  entry(id: Id): Entry | undefined
  /** Tree height of an entry that {@link entry} returns. */
  height(id: Id): number
  /** Ids of every verified entry of the database, any order. */
  ids(): Iterable<Id>
  /**
   * Optional: `true` when every link of `store` (between entries of this
   * source) goes to a strictly lower tree height — always so for entries the
   * engine builds, since a store parent is a main ancestor. It lets LCA and
   * path walks stop early; without it they read the whole history.
   */
  storeLinksDescend?(store: string): boolean
}

/** Whether every `store` link among `entries` goes to a strictly lower height. O(entries). */
export function linksDescend(entries: ReadonlyMap<Id, Entry>, heights: ReadonlyMap<Id, number>, store: string): boolean {
  for (const [id, entry] of entries) {
    const node = entry.subtrees.find((s) => s.name === store)
    if (!node) continue
    const h = heights.get(id)!
    for (const p of node.parents) {
      const parent = entries.get(p)
      if (parent && parent.subtrees.some((s) => s.name === store) && heights.get(p)! >= h) return false
    }
  }
  return true
}

/**
 * Tree heights by Kahn's algorithm (data-layer §6): the longest path from an
 * entry without (present) parents, along main parents. Edges to parents not
 * in `entries` are ignored.
 * @throws InvalidEntryError (`INVALID_ENTRY`) if the parent links form a cycle
 * (impossible for entries whose ids are checked, but never a hang).
 */
export function computeHeights(entries: ReadonlyMap<Id, Entry>): Map<Id, number> {
  const indegree = new Map<Id, number>()
  const children = new Map<Id, Id[]>()
  for (const [id, entry] of entries) {
    let n = 0
    for (const p of entry.tree.parents) {
      if (!entries.has(p) || p === id) continue
      n++
      const list = children.get(p)
      if (list) list.push(id)
      else children.set(p, [id])
    }
    indegree.set(id, n)
  }
  const heights = new Map<Id, number>()
  const queue: Id[] = []
  for (const [id, n] of indegree) if (n === 0) {
    queue.push(id)
    heights.set(id, 0)
  }
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!
    const h = heights.get(id)!
    for (const c of children.get(id) ?? []) {
      if ((heights.get(c) ?? -1) < h + 1) heights.set(c, h + 1)
      const left = indegree.get(c)! - 1
      indegree.set(c, left)
      if (left === 0) queue.push(c)
    }
  }
  if (queue.length !== entries.size) throw new InvalidEntryError('the parent links of the stored entries form a cycle')
  return heights
}

/** A {@link GraphSource} over a fixed set of verified entries, heights computed once. */
export function snapshotSource(entries: ReadonlyMap<Id, Entry>): GraphSource {
  let heights: Map<Id, number> | undefined
  const descend = new Map<string, boolean>()
  const h = () => (heights ??= computeHeights(entries))
  return {
    entry: (id) => entries.get(id),
    height: (id) => h().get(id) ?? 0,
    ids: () => entries.keys(),
    storeLinksDescend(store) {
      let known = descend.get(store)
      if (known === undefined) descend.set(store, (known = linksDescend(entries, h(), store)))
      return known
    },
  }
}
