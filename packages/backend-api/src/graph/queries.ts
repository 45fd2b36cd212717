/**
 * @module
 * The shared answers to every graph question of the Backend contract, over a
 * {@link GraphSource} (the verified entries of one database). Each function
 * is synchronous and documents its cost; ordered results are in (height, id)
 * order where height is the tree height (data-layer §6).
 */
import type { Entry, Id } from '../entry.js'
import { EmptyEntryListError, EntryNotFoundError, NoCommonAncestorError } from '../errors.js'
import { compareIds } from '../order.js'
import type { GraphSource } from './source.js'
import { lcaTopDown, pathTopDown } from './walk.js'

/** The parents of `entry` inside `store`'s DAG, or `undefined` when it holds no node for `store`. */
export function storeParents(entry: Entry, store: string): readonly Id[] | undefined {
  for (const node of entry.subtrees) if (node.name === store) return node.parents
  return undefined
}

/** Whether `entry` holds a node for `store` (with or without data). */
export const holdsStore = (entry: Entry, store: string): boolean => storeParents(entry, store) !== undefined

/** Sorts ids of entries in `src` by (height, id), in place; returns the array. */
export function sortByHeight(src: GraphSource, ids: Id[]): Id[] {
  const h = new Map<Id, number>()
  for (const id of ids) h.set(id, src.height(id))
  return ids.sort((a, b) => h.get(a)! - h.get(b)! || compareIds(a, b))
}

function requireEntry(src: GraphSource, tree: Id, id: Id): Entry {
  const entry = src.entry(id)
  if (!entry) throw new EntryNotFoundError(id, `entry ${id} is not a verified entry of database ${tree}`)
  return entry
}

function requireStoreEntry(src: GraphSource, tree: Id, store: string, id: Id): Entry {
  const entry = requireEntry(src, tree, id)
  if (!holdsStore(entry, store))
    throw new EntryNotFoundError(id, `entry ${id} holds no node for store "${store}" in database ${tree}`)
  return entry
}

/** Tips: entries no other entry names as a main parent. O(entries). */
export function tips(src: GraphSource): Id[] {
  const named = new Set<Id>()
  const all: Id[] = []
  for (const id of src.ids()) {
    all.push(id)
    for (const p of src.entry(id)!.tree.parents) named.add(p)
  }
  return sortByHeight(src, all.filter((id) => !named.has(id)))
}

function storeTipsAmong(src: GraphSource, store: string, ids: Iterable<Id>): Id[] {
  const members: Id[] = []
  const named = new Set<Id>()
  for (const id of ids) {
    const parents = storeParents(src.entry(id)!, store)
    if (parents === undefined) continue
    members.push(id)
    for (const p of parents) named.add(p)
  }
  return sortByHeight(src, members.filter((id) => !named.has(id)))
}

/** Store tips: entries holding `store` that no such entry names as a `store` parent. O(entries). */
export function storeTips(src: GraphSource, store: string): Id[] {
  return storeTipsAmong(src, store, src.ids())
}

/** Ancestors of `starts` along main parents (inclusive), unordered. O(history). */
function mainHistory(src: GraphSource, starts: readonly Id[]): Set<Id> {
  const seen = new Set<Id>(starts)
  const stack = [...starts]
  while (stack.length > 0) {
    const entry = src.entry(stack.pop()!)!
    for (const p of entry.tree.parents)
      if (!seen.has(p) && src.entry(p)) {
        seen.add(p)
        stack.push(p)
      }
  }
  return seen
}

/** Ancestors of `starts` along `store` parents (inclusive), staying among entries that hold `store`. */
function storeHistory(src: GraphSource, store: string, starts: readonly Id[]): Set<Id> {
  const seen = new Set<Id>()
  const stack: Id[] = []
  for (const id of starts) if (!seen.has(id) && holdsStore(src.entry(id)!, store)) {
    seen.add(id)
    stack.push(id)
  }
  while (stack.length > 0) {
    for (const p of storeParents(src.entry(stack.pop()!)!, store)!) {
      if (seen.has(p)) continue
      const parent = src.entry(p)
      if (parent && holdsStore(parent, store)) {
        seen.add(p)
        stack.push(p)
      }
    }
  }
  return seen
}

/**
 * Store tips among the main-parent history of `mainIds` (inclusive).
 * `[]` for empty `mainIds`. O(history of mainIds).
 * @throws EntryNotFoundError when a main id is not a verified entry of the database.
 */
export function storeTipsUpTo(src: GraphSource, tree: Id, store: string, mainIds: readonly Id[]): Id[] {
  for (const id of mainIds) requireEntry(src, tree, id)
  return storeTipsAmong(src, store, mainHistory(src, mainIds))
}

/** Every entry, ordered. O(n log n). */
export function treeOrder(src: GraphSource): Id[] {
  return sortByHeight(src, [...src.ids()])
}

/** Ancestors of `tips` along main parents, tips included, ordered. @throws EntryNotFoundError for an unknown tip. */
export function treeFromTips(src: GraphSource, tree: Id, tipIds: readonly Id[]): Id[] {
  for (const id of tipIds) requireEntry(src, tree, id)
  return sortByHeight(src, [...mainHistory(src, tipIds)])
}

/** Entries holding a node for `store`, ordered. O(n log n). */
export function storeOrder(src: GraphSource, store: string): Id[] {
  const out: Id[] = []
  for (const id of src.ids()) if (holdsStore(src.entry(id)!, store)) out.push(id)
  return sortByHeight(src, out)
}

/**
 * Ancestors of `tips` along `store` parents, tips included, ordered. Tips
 * holding no node for `store` contribute nothing.
 * @throws EntryNotFoundError for a tip that is not a verified entry of the database.
 */
export function storeFromTips(src: GraphSource, tree: Id, store: string, tipIds: readonly Id[]): Id[] {
  for (const id of tipIds) requireEntry(src, tree, id)
  return sortByHeight(src, [...storeHistory(src, store, tipIds)])
}

/**
 * The lowest common ancestor in `store`'s DAG: among entries that are an
 * ancestor-or-self of every id, the one of greatest height, ties to the
 * smallest id. Usually O(entries above the answer) (`walk.ts`), else O(history of the ids).
 * @throws EmptyEntryListError for `[]`; EntryNotFoundError for an id that is
 * not a verified entry of the database holding `store`; NoCommonAncestorError.
 */
export function lca(src: GraphSource, tree: Id, store: string, ids: readonly Id[]): Id {
  if (ids.length === 0) throw new EmptyEntryListError()
  for (const id of ids) requireStoreEntry(src, tree, store, id)
  const unique = [...new Set(ids)]
  if (unique.length === 1) return unique[0]!
  const fast = src.storeLinksDescend?.(store) ? lcaTopDown(src, store, unique) : undefined
  if (fast === null) throw new NoCommonAncestorError()
  if (fast !== undefined) return fast
  let common = storeHistory(src, store, [unique[0]!])
  for (let i = 1; i < unique.length && common.size > 0; i++) {
    const next = storeHistory(src, store, [unique[i]!])
    common = new Set([...common].filter((id) => next.has(id)))
  }
  let best: Id | undefined
  let bestHeight = -1
  for (const id of common) {
    const h = src.height(id)
    if (h > bestHeight || (h === bestHeight && id < best!)) {
      best = id
      bestHeight = h
    }
  }
  if (best === undefined) throw new NoCommonAncestorError()
  return best
}

/**
 * The entries in the `store` history of some `to` id that are not in the
 * history of `from` (so `from` itself is excluded and `to` ids are included
 * unless they are `from` or its ancestors), ordered.
 * @throws EntryNotFoundError when `from` or a `to` id is not a verified
 * entry of the database holding `store`.
 */
export function pathFromTo(src: GraphSource, tree: Id, store: string, from: Id, to: readonly Id[]): Id[] {
  requireStoreEntry(src, tree, store, from)
  for (const id of to) requireStoreEntry(src, tree, store, id)
  const fast = src.storeLinksDescend?.(store) ? pathTopDown(src, store, from, to) : undefined
  if (fast !== undefined) return sortByHeight(src, fast)
  const before = storeHistory(src, store, [from])
  const after = storeHistory(src, store, to)
  return sortByHeight(src, [...after].filter((id) => !before.has(id)))
}
