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
 * height, and the entries naming it as a main parent (which may arrive
 * before it: then `entry` is still undefined).
 */
interface IdNode {
  entry: Entry | undefined
  height: number
  children: Links
}

/** One id inside one store's DAG: whether it is a member, and the members naming it as a store parent. */
interface StoreNode {
  member: boolean
  children: Links
}

/** One store's DAG inside a database. */
class StoreIndex {
  readonly nodes = new Map<Id, StoreNode>()
  /** Nodes that are not members (named as a store parent only): while there are none, a new member needs no lookup. */
  outsiders = 0
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

  /** Adds a verified entry of this database. The caller adds each id once. */
  add(id: Id, entry: Entry): void {
    let node = this.placeholders === 0 ? undefined : this.nodes.get(id)
    if (node === undefined) this.nodes.set(id, (node = { entry, height: 0, children: undefined }))
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
    for (let i = 0; i < parents.length; i++) {
      const p = parents[i]!
      const parent = this.nodes.get(p)
      if (parent === undefined) {
        this.nodes.set(p, { entry: undefined, height: 0, children: id })
        this.placeholders++
        continue
      }
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
      let member = store.outsiders === 0 ? undefined : store.nodes.get(id)
      if (member === undefined) store.nodes.set(id, (member = { member: true, children: undefined }))
      else {
        member.member = true
        store.outsiders--
      }
      if (member.children === undefined) store.tips.add(id)
      // Links that do not descend (see upLinksAt), counted on the way.
      let up = 0
      const storeParents = sub.parents
      for (let j = 0; j < storeParents.length; j++) {
        const p = storeParents[j]!
        const parent = store.nodes.get(p)
        if (parent === undefined) {
          store.nodes.set(p, { member: false, children: id })
          store.outsiders++
        } else {
          parent.children = withLink(parent.children, id)
          if (parent.member && this.nodes.get(p)!.height >= height) up++
        }
        store.tips.delete(p)
      }
      if (member.children !== undefined) for (const c of linksOf(member.children)) if (height >= this.nodes.get(c)!.height) up++
      store.upLinks += up
    }
  }

  /** How many links of a store touching a member (to its store `parents`, from its children) do not descend from height `h`. */
  private upLinksAt(store: StoreIndex, parents: readonly Id[], member: StoreNode, h: number): number {
    let n = 0
    for (let i = 0; i < parents.length; i++) {
      const p = parents[i]!
      if (store.nodes.get(p)?.member === true && this.nodes.get(p)!.height >= h) n++
    }
    if (member.children !== undefined) for (const c of linksOf(member.children)) if (h >= this.nodes.get(c)!.height) n++
    return n
  }

  /** Sets a height, keeping every store's count of non-descending links right. */
  private setHeight(id: Id, height: number): void {
    const node = this.nodes.get(id)!
    const subtrees = node.entry!.subtrees
    for (const sub of subtrees) {
      const store = this.stores.get(sub.name)
      const member = store?.nodes.get(id)
      if (member?.member === true) store!.upLinks -= this.upLinksAt(store!, sub.parents, member, node.height)
    }
    node.height = height
    for (const sub of subtrees) {
      const store = this.stores.get(sub.name)
      const member = store?.nodes.get(id)
      if (member?.member === true) store!.upLinks += this.upLinksAt(store!, sub.parents, member, height)
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
