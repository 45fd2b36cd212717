/**
 * @module
 * `EntryBuilder`: assembles an Entry (data-layer §1.5) over the wire types
 * of @engram/backend-api. `build()` sorts and de-duplicates every parent
 * list and sorts the subtrees by name, so the order parents and subtrees
 * were given in never changes the bytes or the id.
 */
import { validateEntryRules, type Entry, type Id, type SigInfo, type SubTreeNode } from '@engram/backend-api'

interface NodeDraft {
  parents: Set<Id>
  data?: string
}

const sortIds = (ids: Iterable<Id>): Id[] => [...new Set(ids)].sort()

/** Builds one Entry. Setters return the builder. */
export class EntryBuilder {
  #root: Id
  #parents = new Set<Id>()
  #metadata: string | null = null
  #nodes = new Map<string, NodeDraft>()
  #sig: SigInfo = { sig: null, key: '' }

  /** A builder for an entry of database `root` (`''` for a root entry). */
  constructor(root: Id = '') {
    if (typeof root !== 'string') throw new TypeError('root must be a string')
    this.#root = root
  }

  /** A builder for a database root entry: root `''` and a `_root` node. */
  static root(): EntryBuilder {
    return new EntryBuilder('').setSubtreeParents('_root', [])
  }

  setRoot(root: Id): this {
    if (typeof root !== 'string') throw new TypeError('root must be a string')
    this.#root = root
    return this
  }

  /** Replaces the main parents. */
  setParents(ids: readonly Id[]): this {
    this.#parents = new Set(checkIds(ids, 'parents'))
    return this
  }

  addParent(id: Id): this {
    this.#parents.add(checkIds([id], 'parent')[0]!)
    return this
  }

  /** Sets the metadata string (`null` for none). */
  setMetadata(metadata: string | null): this {
    if (metadata !== null && typeof metadata !== 'string') throw new TypeError('metadata must be a string or null')
    this.#metadata = metadata
    return this
  }

  #node(name: string): NodeDraft {
    if (typeof name !== 'string') throw new TypeError('store name must be a string')
    let node = this.#nodes.get(name)
    if (node === undefined) this.#nodes.set(name, (node = { parents: new Set() }))
    return node
  }

  /** Sets a store's data, creating its node (parents `[]`) if needed. */
  setSubtreeData(name: string, data: string): this {
    if (typeof data !== 'string') throw new TypeError('data must be a string')
    this.#node(name).data = data
    return this
  }

  /** Sets a store's parents, creating its node (no data) if needed. */
  setSubtreeParents(name: string, ids: readonly Id[]): this {
    this.#node(name).parents = new Set(checkIds(ids, 'store parents'))
    return this
  }

  addSubtreeParent(name: string, id: Id): this {
    this.#node(name).parents.add(checkIds([id], 'store parent')[0]!)
    return this
  }

  /** Whether the builder has a node for `name`. */
  hasSubtree(name: string): boolean {
    return this.#nodes.has(name)
  }

  setSig(sig: SigInfo): this {
    this.#sig = { ...sig }
    return this
  }

  /**
   * The entry: parents sorted and de-duplicated, subtrees sorted by name.
   * @throws InvalidEntryError (`INVALID_ENTRY`) when it breaks a data-layer §1.6 rule.
   */
  build(): Entry {
    // Pushed, then copied at its final size: a packed array like the engine's commits make (Array.map's are holey).
    const subtrees: SubTreeNode[] = []
    for (const name of [...this.#nodes.keys()].sort()) {
      const draft = this.#nodes.get(name)!
      const parents = sortIds(draft.parents)
      subtrees.push(draft.data === undefined ? { name, parents } : { name, parents, data: draft.data })
    }
    const sig: SigInfo = { sig: this.#sig.sig, key: this.#sig.key }
    if (this.#sig.pubkey !== undefined) sig.pubkey = this.#sig.pubkey
    const entry: Entry = {
      tree: { root: this.#root, parents: sortIds(this.#parents), metadata: this.#metadata },
      subtrees: subtrees.slice(),
      sig,
    }
    validateEntryRules(entry)
    return entry
  }
}

function checkIds(ids: readonly Id[], name: string): Id[] {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw new TypeError(`${name} must be an array of id strings`)
  return ids as Id[]
}
