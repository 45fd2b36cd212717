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
import { computeHeights, type Entry, type GraphSource, type Id } from '@engram/backend-api'

/**
 * Links from a parent id to the ids naming it: one id as a plain string (a
 * linear history, the common case, needs no Set per entry), a Set once
 * there are more. Links are never removed (removal rebuilds the index).
 */
type Links = Map<Id, Id | Set<Id>>

function addLink(links: Links, key: Id, value: Id): void {
  const cur = links.get(key)
  if (cur === undefined) links.set(key, value)
  else if (typeof cur !== 'string') cur.add(value)
  else if (cur !== value) links.set(key, new Set([cur, value]))
}

const NO_LINKS: readonly Id[] = []

function linksOf(links: Links, key: Id): Iterable<Id> {
  const cur = links.get(key)
  return cur === undefined ? NO_LINKS : typeof cur === 'string' ? [cur] : cur
}

/** One store's DAG inside a database. */
class StoreIndex {
  readonly members = new Set<Id>()
  /** Parent id → members naming it as a store parent (the parent may be absent). */
  readonly children: Links = new Map()
  readonly tips = new Set<Id>()
  /** Store links (between members) that do not go to a strictly lower tree height. */
  upLinks = 0
}

/** Live {@link GraphSource} over one database's verified entries. */
export class TreeIndex implements GraphSource {
  private readonly entries = new Map<Id, Entry>()
  private readonly heights = new Map<Id, number>()
  /** Parent id → verified entries naming it as a main parent (the parent may be absent). */
  private readonly children: Links = new Map()
  private readonly tipSet = new Set<Id>()
  private readonly stores = new Map<string, StoreIndex>()
  /** Entries that arrived after some of their children: heights below them may be stale. */
  private readonly stale = new Set<Id>()

  /** Builds an index over `entries` in one pass (parents first, so no height is raised twice). */
  static build(entries: ReadonlyMap<Id, Entry>): TreeIndex {
    const index = new TreeIndex()
    const heights = computeHeights(entries)
    const order = [...entries.keys()].sort((a, b) => heights.get(a)! - heights.get(b)!)
    for (const id of order) index.add(id, entries.get(id)!)
    return index
  }

  get size(): number {
    return this.entries.size
  }

  entry(id: Id): Entry | undefined {
    return this.entries.get(id)
  }

  height(id: Id): number {
    if (this.stale.size > 0) this.refreshHeights()
    return this.heights.get(id) ?? 0
  }

  ids(): Iterable<Id> {
    return this.entries.keys()
  }

  /** Every (id, entry) pair, for rebuilding without one of them. */
  all(): IterableIterator<[Id, Entry]> {
    return this.entries.entries()
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
    this.entries.set(id, entry)
    let height = 0
    for (const p of entry.tree.parents) {
      addLink(this.children, p, id)
      if (this.entries.has(p)) {
        height = Math.max(height, this.heights.get(p)! + 1)
        this.tipSet.delete(p)
      }
    }
    // Parents' heights may themselves be stale; the refresh then covers this entry too.
    this.heights.set(id, height)
    if (this.children.has(id)) this.stale.add(id)
    else this.tipSet.add(id)

    for (const node of entry.subtrees) {
      let store = this.stores.get(node.name)
      if (!store) this.stores.set(node.name, (store = new StoreIndex()))
      store.members.add(id)
      for (const p of node.parents) {
        addLink(store.children, p, id)
        store.tips.delete(p)
      }
      if (!store.children.has(id)) store.tips.add(id)
      store.upLinks += this.upLinksAt(store, node.name, id)
    }
  }

  /** How many links of `store` touching member `id` (to its parents, from its children) do not descend. */
  private upLinksAt(store: StoreIndex, name: string, id: Id): number {
    const h = this.heights.get(id)!
    let n = 0
    for (const node of this.entries.get(id)!.subtrees)
      if (node.name === name) for (const p of node.parents) if (store.members.has(p) && this.heights.get(p)! >= h) n++
    for (const c of linksOf(store.children, id)) if (h >= this.heights.get(c)!) n++
    return n
  }

  /** Sets a height, keeping every store's count of non-descending links right. */
  private setHeight(id: Id, height: number): void {
    const entry = this.entries.get(id)!
    for (const node of entry.subtrees) {
      const store = this.stores.get(node.name)
      if (store?.members.has(id)) store.upLinks -= this.upLinksAt(store, node.name, id)
    }
    this.heights.set(id, height)
    for (const node of entry.subtrees) {
      const store = this.stores.get(node.name)
      if (store?.members.has(id)) store.upLinks += this.upLinksAt(store, node.name, id)
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
      for (const child of linksOf(this.children, stack.pop()!))
        if (!closure.has(child)) {
          closure.add(child)
          stack.push(child)
        }
    }
    const waiting = new Map<Id, number>()
    const ready: Id[] = []
    for (const id of closure) {
      let n = 0
      for (const p of this.entries.get(id)!.tree.parents) if (closure.has(p)) n++
      waiting.set(id, n)
      if (n === 0) ready.push(id)
    }
    for (let i = 0; i < ready.length; i++) {
      const id = ready[i]!
      let height = 0
      for (const p of this.entries.get(id)!.tree.parents)
        if (this.entries.has(p)) height = Math.max(height, this.heights.get(p)! + 1)
      if (height !== this.heights.get(id)) this.setHeight(id, height)
      for (const child of linksOf(this.children, id)) {
        const left = waiting.get(child)! - 1
        waiting.set(child, left)
        if (left === 0) ready.push(child)
      }
    }
  }

}
