/**
 * @module
 * The incremental graph index of one database: its verified entries, their
 * tree heights, its tips and the tips of each store. Adding an entry in
 * order (parents first) costs O(its parents and stores). An entry that
 * arrives after some of its children is noted, and the heights below it are
 * recomputed in one topological pass the next time a height is read, so a
 * batch of N entries in any order costs O(N) rather than O(N²). Tips never
 * depend on heights and are always current. Removing an entry (a status
 * change away from `verified`, rare) rebuilds the index.
 */
import type { Entry, Id } from '../entry.js'
import { computeHeights, type GraphSource } from './source.js'

/**
 * Links from a parent to the ids naming it: one id as a plain string (a
 * linear history, the common case, needs no Set per entry), a Set once
 * there are more. Links are never removed (removal rebuilds the index).
 */
type Links = Id | Set<Id> | undefined

function withLink(links: Links, id: Id): Links {
  if (links === undefined) return id
  if (typeof links !== 'string') return links.add(id)
  return links === id ? links : new Set([links, id])
}

const NO_LINKS: readonly Id[] = []

function linksOf(links: Links): Iterable<Id> {
  return links === undefined ? NO_LINKS : typeof links === 'string' ? [links] : links
}

/**
 * What the index knows of one id, in one record (one hash-table insert per
 * entry instead of one per map): the entry once it is added, its tree
 * height, the entries naming it as a main parent (which may arrive
 * before it: then `entry` is still undefined), and, per store it writes,
 * the members of that store naming it as a store parent.
 */
interface IdNode {
  entry: Entry | undefined
  height: number
  children: Links
  /** Store children in the entry's first store (`entry.subtrees[0]`): most entries write one store, and need no array. */
  storeChildren: Links
  /** Store children in its other stores (`entry.subtrees[k]` at `k - 1`), made on the first such link. */
  moreStoreChildren: Links[] | undefined
}

/** The position of store `name` in an entry's subtrees (sorted by name and unique, data-layer §1.1), or -1. */
function storeAt(subtrees: readonly { readonly name: string }[], name: string): number {
  if (subtrees.length <= 8) {
    for (let i = 0; i < subtrees.length; i++) if (subtrees[i]!.name === name) return i
    return -1
  }
  let lo = 0
  let hi = subtrees.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (subtrees[mid]!.name < name) lo = mid + 1
    else hi = mid
  }
  return lo < subtrees.length && subtrees[lo]!.name === name ? lo : -1
}

/** The store children of `node` in its `k`-th store. */
function storeChildrenAt(node: IdNode, k: number): Links {
  return k === 0 ? node.storeChildren : node.moreStoreChildren?.[k - 1]
}

/** Sets the store children of `node` (an added entry) in its `k`-th store. */
function setStoreChildrenAt(node: IdNode, k: number, links: Links): void {
  if (k === 0) {
    node.storeChildren = links
    return
  }
  let more = node.moreStoreChildren
  if (more === undefined) {
    const n = node.entry!.subtrees.length - 1
    more = []
    for (let i = 0; i < n; i++) more.push(undefined)
    node.moreStoreChildren = more
  }
  more[k - 1] = links
}

/**
 * One store's DAG inside a database. Its members are the entries writing
 * it; each member's store children live in its {@link IdNode}.
 */
class StoreIndex {
  /** Ids named as a store parent that are not members (not added yet, or added without this store): the members naming them. */
  readonly outsiders = new Map<Id, Links>()
  readonly tips = new Set<Id>()
  /** Store links (between members) that do not go to a strictly lower tree height. */
  upLinks = 0
}

/** Live {@link GraphSource} over one database's verified entries. */
export class TreeIndex implements GraphSource {
  private readonly nodes = new Map<Id, IdNode>()
  private count = 0
  /** Nodes without an entry yet (named as a parent only): while there are none, a new entry needs no lookup. */
  private placeholders = 0
  private readonly tipSet = new Set<Id>()
  private readonly stores = new Map<string, StoreIndex>()
  /** Entries that arrived after some of their children: heights below them may be stale. */
  private readonly stale = new Set<Id>()

  /**
   * Builds an index by adding `entries` in their map order: right for any
   * order (heights below an entry that came after its children are
   * recomputed once), and the cheapest build when parents come first (the
   * order in which a store made entries verified): no height pass, no sort.
   */
  static fromOrdered(entries: ReadonlyMap<Id, Entry>): TreeIndex {
    const index = new TreeIndex()
    for (const [id, entry] of entries) index.add(id, entry)
    return index
  }

  /** Builds an index over `entries` in one pass (parents first, so no height is raised twice). */
  static build(entries: ReadonlyMap<Id, Entry>): TreeIndex {
    const index = new TreeIndex()
    const heights = computeHeights(entries)
    const order = [...entries.keys()].sort((a, b) => heights.get(a)! - heights.get(b)!)
    for (const id of order) index.add(id, entries.get(id)!)
    return index
  }

  get size(): number {
    return this.count
  }

  entry(id: Id): Entry | undefined {
    return this.nodes.get(id)?.entry
  }

  height(id: Id): number {
    if (this.stale.size > 0) this.refreshHeights()
    return this.nodes.get(id)?.height ?? 0
  }

  *ids(): Iterable<Id> {
    for (const [id, node] of this.nodes) if (node.entry !== undefined) yield id
  }

  /** Every (id, entry) pair, for rebuilding without one of them. */
  *all(): IterableIterator<[Id, Entry]> {
    for (const [id, node] of this.nodes) if (node.entry !== undefined) yield [id, node.entry]
  }

  storeLinksDescend(store: string): boolean {
    if (this.stale.size > 0) this.refreshHeights()
    return (this.stores.get(store)?.upLinks ?? 0) === 0
  }

  /** Current tips (unordered). */
  tips(): Id[] {
    return [...this.tipSet]
  }

  /** Current tips of `store` (unordered). */
  storeTips(store: string): Id[] {
    const s = this.stores.get(store)
    return s ? [...s.tips] : []
  }

  /**
   * Adds a verified entry of this database (its subtrees sorted by name and
   * unique, as validation guarantees). The caller adds each id once.
   */
  add(id: Id, entry: Entry): void {
    let node = this.placeholders === 0 ? undefined : this.nodes.get(id)
    if (node === undefined) this.nodes.set(id, (node = { entry, height: 0, children: undefined, storeChildren: undefined, moreStoreChildren: undefined }))
    else {
      node.entry = entry
      this.placeholders--
    }
    this.count++
    // A new tip is added before its parents leave the tip set: a set that
    // never drops to empty is not reallocated (shrunk, then grown) per entry.
    if (node.children !== undefined) this.stale.add(id)
    else this.tipSet.add(id)
    let height = 0
    const parents = entry.tree.parents
    // The last parent looked up (a store parent is mostly a main parent too).
    let seenId: Id | undefined
    let seen: IdNode | undefined
    for (let i = 0; i < parents.length; i++) {
      const p = parents[i]!
      const parent = this.nodes.get(p)
      if (parent === undefined) {
        this.nodes.set(p, { entry: undefined, height: 0, children: id, storeChildren: undefined, moreStoreChildren: undefined })
        this.placeholders++
        continue
      }
      seenId = p
      seen = parent
      parent.children = withLink(parent.children, id)
      if (parent.entry !== undefined) {
        height = Math.max(height, parent.height + 1)
        this.tipSet.delete(p)
      }
    }
    // Parents' heights may themselves be stale; the refresh then covers this entry too.
    node.height = height

    const subtrees = entry.subtrees
    for (let i = 0; i < subtrees.length; i++) {
      const sub = subtrees[i]!
      let store = this.stores.get(sub.name)
      if (!store) this.stores.set(sub.name, (store = new StoreIndex()))
      // Members that named this entry as a store parent before it came: their links move to its node.
      let children: Links
      if (store.outsiders.size !== 0) {
        children = store.outsiders.get(id)
        if (children !== undefined) {
          store.outsiders.delete(id)
          setStoreChildrenAt(node, i, children)
        }
      }
      if (children === undefined) store.tips.add(id)
      // Links that do not descend (see upLinksAt), counted on the way.
      let up = 0
      const storeParents = sub.parents
      for (let j = 0; j < storeParents.length; j++) {
        const p = storeParents[j]!
        const parent = p === seenId ? seen : this.nodes.get(p)
        const at = parent?.entry === undefined ? -1 : storeAt(parent.entry.subtrees, sub.name)
        if (at < 0) store.outsiders.set(p, withLink(store.outsiders.get(p), id))
        else {
          setStoreChildrenAt(parent!, at, withLink(storeChildrenAt(parent!, at), id))
          if (parent!.height >= height) up++
        }
        store.tips.delete(p)
      }
      if (children !== undefined) for (const c of linksOf(children)) if (height >= this.nodes.get(c)!.height) up++
      store.upLinks += up
    }
  }

  /** How many links of store `name` touching a member (to its store `parents`, from its store `children`) do not descend from height `h`. */
  private upLinksAt(name: string, parents: readonly Id[], children: Links, h: number): number {
    let n = 0
    for (let i = 0; i < parents.length; i++) {
      const parent = this.nodes.get(parents[i]!)
      if (parent?.entry !== undefined && storeAt(parent.entry.subtrees, name) >= 0 && parent.height >= h) n++
    }
    if (children !== undefined) for (const c of linksOf(children)) if (h >= this.nodes.get(c)!.height) n++
    return n
  }

  /** Sets a height, keeping every store's count of non-descending links right. */
  private setHeight(id: Id, height: number): void {
    const node = this.nodes.get(id)!
    const subtrees = node.entry!.subtrees
    for (let k = 0; k < subtrees.length; k++) {
      const sub = subtrees[k]!
      this.stores.get(sub.name)!.upLinks -= this.upLinksAt(sub.name, sub.parents, storeChildrenAt(node, k), node.height)
    }
    node.height = height
    for (let k = 0; k < subtrees.length; k++) {
      const sub = subtrees[k]!
      this.stores.get(sub.name)!.upLinks += this.upLinksAt(sub.name, sub.parents, storeChildrenAt(node, k), height)
    }
  }

  // Recomputes heights below the stale entries (their descendant closure) in
  // topological order. Parents outside the closure have no stale ancestor,
  // so their heights are already right.
  private refreshHeights(): void {
    const closure = new Set<Id>(this.stale)
    const stack = [...this.stale]
    this.stale.clear()
    while (stack.length > 0) {
      for (const child of linksOf(this.nodes.get(stack.pop()!)?.children))
        if (!closure.has(child)) {
          closure.add(child)
          stack.push(child)
        }
    }
    const waiting = new Map<Id, number>()
    const ready: Id[] = []
    for (const id of closure) {
      let n = 0
      for (const p of this.nodes.get(id)!.entry!.tree.parents) if (closure.has(p)) n++
      waiting.set(id, n)
      if (n === 0) ready.push(id)
    }
    for (let i = 0; i < ready.length; i++) {
      const id = ready[i]!
      const node = this.nodes.get(id)!
      let height = 0
      for (const p of node.entry!.tree.parents) {
        const parent = this.nodes.get(p)
        if (parent?.entry !== undefined) height = Math.max(height, parent.height + 1)
      }
      if (height !== node.height) this.setHeight(id, height)
      for (const child of linksOf(node.children)) {
        const left = waiting.get(child)! - 1
        waiting.set(child, left)
        if (left === 0) ready.push(child)
      }
    }
  }
}
