/**
 * @module
 * `AbstractBackend`: the base a plugin author extends. It declares the
 * required primitives as `abstract` and answers every graph query of the
 * {@link Backend} contract with the shared algorithms of `graph/` over them.
 * Override {@link AbstractBackend.graphSource} to serve those algorithms from
 * an index, or any query to answer it natively.
 */
import type { Backend } from './backend.js'
import type { Entry, Id, SubTreeNode, VerificationStatus } from './entry.js'
import { EntryNotFoundError } from './errors.js'
import * as q from './graph/queries.js'
import { snapshotSource, type GraphSource } from './graph/source.js'
import { assertIdList, assertString } from './validate.js'

/** Node copies in a packed array at its final size (Array.map's results are holey: one layout for every entry). */
function cloneSubtrees(subtrees: readonly SubTreeNode[]): SubTreeNode[] {
  const out: SubTreeNode[] = []
  for (let i = 0; i < subtrees.length; i++) {
    const n = subtrees[i]!
    out.push(n.data === undefined ? { name: n.name, parents: [...n.parents] } : { name: n.name, parents: [...n.parents], data: n.data })
  }
  return out.slice()
}

/** A deep copy of an entry (cheap; entries are small plain objects). */
export function cloneEntry(entry: Entry): Entry {
  const sig: Entry['sig'] = {
    sig: entry.sig.sig,
    key:
      typeof entry.sig.key === 'string'
        ? entry.sig.key
        : entry.sig.key.map((s) => ({ key: s.key, tips: s.tips === null ? null : [...s.tips] })),
  }
  if (entry.sig.pubkey !== undefined) sig.pubkey = entry.sig.pubkey
  return {
    tree: { root: entry.tree.root, parents: [...entry.tree.parents], metadata: entry.tree.metadata },
    subtrees: cloneSubtrees(entry.subtrees),
    sig,
  }
}

// A module function, not a member: subclasses own the member namespace.
function copyEntries(src: GraphSource, ids: Id[]): Entry[] {
  return ids.map((id) => cloneEntry(src.entry(id)!))
}

/**
 * Base class of every backend. Required: the abstract primitives. Optional:
 * the graph queries, implemented here over {@link graphSource}.
 */
export abstract class AbstractBackend implements Backend {
  abstract put(id: Id, entry: Entry, status: VerificationStatus): Promise<void>
  abstract get(id: Id): Promise<Entry>
  abstract has(id: Id): Promise<boolean>
  abstract getStatus(id: Id): Promise<VerificationStatus>
  abstract setStatus(id: Id, status: VerificationStatus): Promise<void>
  abstract idsByStatus(status: VerificationStatus): Promise<Id[]>
  abstract treeEntryIds(tree: Id): Promise<Id[]>
  abstract rootIds(): Promise<Id[]>
  abstract putLocalKey(name: string, key: Uint8Array): Promise<void>
  abstract getLocalKey(name: string): Promise<Uint8Array | undefined>
  abstract listLocalKeys(): Promise<string[]>
  abstract deleteLocalKey(name: string): Promise<void>
  abstract getMetadata(key: string): Promise<string | undefined>
  abstract setMetadata(key: string, value: string): Promise<void>

  /**
   * The verified entries of database `tree` with their heights, for the
   * shared graph algorithms. The default reads every entry of the tree
   * through `treeEntryIds`/`getStatus`/`get` and computes heights (O(n) per
   * query); a backend that keeps an index returns a live view of it instead.
   * Entries it returns are not handed to callers without a copy.
   */
  protected async graphSource(tree: Id): Promise<GraphSource> {
    const entries = new Map<Id, Entry>()
    for (const id of await this.treeEntryIds(tree)) {
      if ((await this.getStatus(id)) === 'verified') entries.set(id, await this.get(id))
    }
    return snapshotSource(entries)
  }

  async getTips(tree: Id): Promise<Id[]> {
    assertString(tree, 'tree')
    return q.tips(await this.graphSource(tree))
  }

  async getStoreTips(tree: Id, store: string): Promise<Id[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    return q.storeTips(await this.graphSource(tree), store)
  }

  async getStoreTipsUpTo(tree: Id, store: string, mainIds: readonly Id[]): Promise<Id[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    const ids = assertIdList(mainIds, 'mainIds')
    if (ids.length === 0) return []
    // Up to the current tips is every verified entry: use the (possibly indexed) store tips.
    const current = await this.getTips(tree)
    const wanted = new Set(ids)
    if (wanted.size === current.length && current.every((id) => wanted.has(id))) return this.getStoreTips(tree, store)
    return q.storeTipsUpTo(await this.graphSource(tree), tree, store, ids)
  }

  async getHeight(tree: Id, id: Id): Promise<number> {
    assertString(tree, 'tree')
    assertString(id, 'id')
    const src = await this.graphSource(tree)
    if (!src.entry(id)) throw new EntryNotFoundError(id, `entry ${id} is not a verified entry of database ${tree}`)
    return src.height(id)
  }

  async getTree(tree: Id): Promise<Entry[]> {
    assertString(tree, 'tree')
    const src = await this.graphSource(tree)
    return copyEntries(src, q.treeOrder(src))
  }

  async getTreeFromTips(tree: Id, tips: readonly Id[]): Promise<Entry[]> {
    assertString(tree, 'tree')
    const ids = assertIdList(tips, 'tips')
    const src = await this.graphSource(tree)
    return copyEntries(src, q.treeFromTips(src, tree, ids))
  }

  async getStore(tree: Id, store: string): Promise<Entry[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    const src = await this.graphSource(tree)
    return copyEntries(src, q.storeOrder(src, store))
  }

  async getStoreFromTips(tree: Id, store: string, tips: readonly Id[]): Promise<Entry[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    const ids = assertIdList(tips, 'tips')
    const src = await this.graphSource(tree)
    return copyEntries(src, q.storeFromTips(src, tree, store, ids))
  }

  async findLca(tree: Id, store: string, ids: readonly Id[]): Promise<Id> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    const list = assertIdList(ids, 'ids')
    return q.lca(await this.graphSource(tree), tree, store, list)
  }

  async getPathFromTo(tree: Id, store: string, from: Id, to: readonly Id[]): Promise<Id[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    assertString(from, 'from')
    const list = assertIdList(to, 'to')
    return q.pathFromTo(await this.graphSource(tree), tree, store, from, list)
  }
}
