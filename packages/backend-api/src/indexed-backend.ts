/**
 * @module
 * `IndexedBackend`: a base for backends that store entries elsewhere (a
 * file, a server) and answer graph questions from an in-memory
 * {@link TreeIndex} per database, loaded on first use from a compact graph
 * record of each entry (parents and store links, no data) and kept current
 * by the backend's own writes and by {@link IndexedBackend.noteChanged} for
 * writes other processes made. Entry bodies for walks that return entries
 * are read back from storage.
 */
import { AbstractBackend } from './abstract-backend.js'
import type { Entry, Id } from './entry.js'
import { CorruptStoreError, EntryNotFoundError, InvalidEntryError } from './errors.js'
import { entryId } from './encode.js'
import * as q from './graph/queries.js'
import type { GraphSource } from './graph/source.js'
import { TreeIndex } from './graph/tree-index.js'
import { assertIdList, assertString } from './validate.js'

/**
 * A stored entry body read back: parsed and checked against its id, since
 * storage outside the process is re-checked like a snapshot.
 * @throws CorruptStoreError naming `where` (a file path, a schema) when it is damaged or does not hash to its id.
 */
export function parseStoredEntry(where: string, id: Id, body: string): Entry {
  let entry: Entry
  try {
    entry = JSON.parse(body) as Entry
    if (entryId(entry) === id) return entry
  } catch (cause) {
    throw new CorruptStoreError(where, `the stored entry ${id} is damaged`, { cause })
  }
  throw new CorruptStoreError(where, `the stored entry ${id} does not hash to its id`)
}

/** {@link skeletonFromGraphText} for a stored record. @throws CorruptStoreError naming `where` when it is damaged. */
export function storedSkeleton(where: string, graph: string, tree: Id): Entry {
  try {
    return skeletonFromGraphText(graph, tree)
  } catch (cause) {
    throw new CorruptStoreError(where, 'a stored graph record is damaged', { cause })
  }
}

/** The compact graph record of an entry: main parents and each store's name and parents, as JSON text. */
export function graphText(entry: Entry): string {
  return JSON.stringify([entry.tree.parents, entry.subtrees.map((s) => [s.name, s.parents])])
}

/** The skeleton of an entry (links only, sharing its arrays) for a graph index. */
export function entrySkeleton(entry: Entry): Entry {
  return { tree: { root: entry.tree.root, parents: entry.tree.parents, metadata: null }, subtrees: entry.subtrees.map((s) => ({ name: s.name, parents: s.parents })), sig: { sig: null, key: '' } }
}

/**
 * The entry skeleton (no data, no signature) a {@link graphText} record
 * describes, for a graph index. @throws InvalidEntryError when the record is malformed.
 */
export function skeletonFromGraphText(text: string, root: Id): Entry {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new InvalidEntryError('a stored graph record is not JSON', { cause })
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    Array.isArray(parsed[0]) &&
    parsed[0].every((p: unknown) => typeof p === 'string') &&
    Array.isArray(parsed[1]) &&
    parsed[1].every((s: unknown) => Array.isArray(s) && s.length === 2 && typeof s[0] === 'string' && Array.isArray(s[1]) && s[1].every((p: unknown) => typeof p === 'string')) &&
    // Store names sorted and unique, as in every valid entry (the graph index looks them up by bisection).
    (parsed[1] as [string, unknown][]).every((s, i, all) => i === 0 || all[i - 1]![0] < s[0])
  if (!ok) throw new InvalidEntryError('a stored graph record is malformed')
  const [parents, stores] = parsed as [Id[], [string, Id[]][]]
  return { tree: { root, parents, metadata: null }, subtrees: stores.map(([name, p]) => ({ name, parents: p })), sig: { sig: null, key: '' } }
}

/**
 * Base of a backend whose graph queries read an in-memory index per
 * database. Subclasses implement the primitives plus {@link loadGraph},
 * {@link readVerified} and {@link refresh}, and call {@link indexAdded} /
 * {@link indexDropped} when their own writes change which entries are verified.
 */
export abstract class IndexedBackend extends AbstractBackend {
  readonly #indexes = new Map<Id, TreeIndex>()
  /** Bumped by every change noted for a tree, so a load that raced with one is redone. */
  readonly #epochs = new Map<Id, number>()

  #bump(tree: Id): void {
    this.#epochs.set(tree, (this.#epochs.get(tree) ?? 0) + 1)
  }

  /**
   * The skeletons ({@link skeletonFromGraphText}) of every verified entry of
   * `tree`, best in the order they became verified (parents first: the index
   * is then built in one pass; any order is still right).
   */
  protected abstract loadGraph(tree: Id): Promise<Map<Id, Entry>>
  /** Full entries for verified ids of a tree, in the order given. */
  protected abstract readVerified(ids: readonly Id[]): Promise<Entry[]>
  /**
   * Brings the index of `tree` (and any other) up to date with writes from
   * elsewhere (calls {@link noteChanged}); cheap when nothing changed.
   */
  protected abstract refresh(tree: Id): Promise<void>

  /** A verified entry of `tree` was written by this handle (or seen from another): add it when the tree is indexed. */
  protected indexAdded(tree: Id, id: Id, skeleton: Entry): void {
    this.#bump(tree)
    const index = this.#indexes.get(tree)
    if (index !== undefined && index.entry(id) === undefined) index.add(id, skeleton)
  }

  /** An entry of `tree` left `verified`: the index is rebuilt on next use. */
  protected indexDropped(tree: Id): void {
    this.#bump(tree)
    this.#indexes.delete(tree)
  }

  /** A write seen from elsewhere: `verified` adds, anything else drops the tree's index when it held the id. */
  protected noteChanged(tree: Id, id: Id, verified: boolean, skeleton: () => Entry): void {
    this.#bump(tree)
    const index = this.#indexes.get(tree)
    if (index === undefined) return
    const held = index.entry(id) !== undefined
    if (verified && !held) index.add(id, skeleton())
    else if (!verified && held) this.#indexes.delete(tree)
  }

  /** Whether the graph index of `tree` is loaded (then graph answers cost no I/O). */
  protected hasIndex(tree: Id): boolean {
    return this.#indexes.has(tree)
  }

  /** Forgets every index (e.g. on close). */
  protected clearIndexes(): void {
    this.#indexes.clear()
  }

  protected override async graphSource(tree: Id): Promise<GraphSource> {
    await this.refresh(tree)
    for (;;) {
      const index = this.#indexes.get(tree)
      if (index !== undefined) return index
      const epoch = this.#epochs.get(tree) ?? 0
      const graph = await this.loadGraph(tree)
      if ((this.#epochs.get(tree) ?? 0) !== epoch || this.#indexes.has(tree)) continue
      const built = TreeIndex.fromOrdered(graph)
      this.#indexes.set(tree, built)
      return built
    }
  }

  async #index(tree: Id): Promise<TreeIndex> {
    return (await this.graphSource(tree)) as TreeIndex
  }

  override async getTips(tree: Id): Promise<Id[]> {
    assertString(tree, 'tree')
    const index = await this.#index(tree)
    return q.sortByHeight(index, index.tips())
  }

  override async getStoreTips(tree: Id, store: string): Promise<Id[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    const index = await this.#index(tree)
    return q.sortByHeight(index, index.storeTips(store))
  }

  override async getHeight(tree: Id, id: Id): Promise<number> {
    assertString(tree, 'tree')
    assertString(id, 'id')
    const index = await this.#index(tree)
    if (!index.entry(id)) throw new EntryNotFoundError(id, `entry ${id} is not a verified entry of database ${tree}`)
    return index.height(id)
  }

  override async getTree(tree: Id): Promise<Entry[]> {
    assertString(tree, 'tree')
    return this.readVerified(q.treeOrder(await this.#index(tree)))
  }

  override async getTreeFromTips(tree: Id, tips: readonly Id[]): Promise<Entry[]> {
    assertString(tree, 'tree')
    const ids = assertIdList(tips, 'tips')
    return this.readVerified(q.treeFromTips(await this.#index(tree), tree, ids))
  }

  override async getStore(tree: Id, store: string): Promise<Entry[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    return this.readVerified(q.storeOrder(await this.#index(tree), store))
  }

  override async getStoreFromTips(tree: Id, store: string, tips: readonly Id[]): Promise<Entry[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    const ids = assertIdList(tips, 'tips')
    return this.readVerified(q.storeFromTips(await this.#index(tree), tree, store, ids))
  }
}
