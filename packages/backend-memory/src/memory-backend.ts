/**
 * @module
 * `MemoryBackend`: every entry, status, local key and metadata value in
 * memory, with an incremental graph index per database (`tree-index.ts`) and
 * snapshot save/load to a file (`snapshot-format.ts`, `snapshot.node.ts`).
 * The backend itself is browser-safe; only `save`/`load` need Node.
 */
import {
  AbstractBackend,
  CorruptSnapshotError,
  EntryNotFoundError,
  assertBytes,
  assertStatus,
  assertString,
  checkPut,
  cloneEntry,
  compareIds,
  entryTree,
  isRootEntry,
  sortByHeight,
  type Entry,
  type GraphSource,
  type Id,
  type InsertingBackend,
  type VerificationStatus,
} from '@engram/backend-api'
import { parseSnapshot, serializeSnapshot, type SnapshotData } from './snapshot-format.js'
import { TreeIndex } from './tree-index.js'

const EMPTY_INDEX = new TreeIndex()

/**
 * An in-memory {@link Backend}. `new MemoryBackend()` starts empty;
 * `save(path)` / `MemoryBackend.load(path)` persist it (Node only).
 *
 * Snapshots hold the local keys (the device key, passwordless users' keys)
 * unencrypted: protect the file like a private key.
 */
export class MemoryBackend extends AbstractBackend implements InsertingBackend {
  /** Every stored entry by id. Its database is `entryTree(id, entry)`; its status `verified` unless listed in `statusSets`. */
  private readonly records = new Map<Id, Entry>()
  /** Every id of each database, in arrival order (append-only: an id is filed once and never leaves its database). */
  private readonly idsByTree = new Map<Id, Id[]>()
  /** Ids by status, except `verified` (most entries: the rest of `records`; no record object per entry). */
  private readonly statusSets: Record<Exclude<VerificationStatus, 'verified'>, Set<Id>> = {
    unverified: new Set(),
    failed: new Set(),
  }
  private readonly roots = new Set<Id>()
  private readonly indexes = new Map<Id, TreeIndex>()
  private readonly localKeys = new Map<string, Uint8Array>()
  private readonly metadata = new Map<string, string>()

  // ---- entries --------------------------------------------------------

  async put(id: Id, entry: Entry, status: VerificationStatus): Promise<void> {
    this.storeNew(id, entry, status)
  }

  async insert(id: Id, entry: Entry, status: VerificationStatus): Promise<boolean> {
    return this.storeNew(id, entry, status)
  }

  /** Checks and files an entry unless its id is stored; whether it was new. */
  private storeNew(id: Id, entry: Entry, status: VerificationStatus): boolean {
    const checked = checkPut(id, entry, status)
    if (this.records.has(id)) return false
    this.store(id, checked, status)
    return true
  }

  /** Files an entry and returns its database; `index: false` leaves a verified entry for a bulk {@link TreeIndex.build}. */
  private store(id: Id, entry: Entry, status: VerificationStatus, index = true): Id {
    const root = isRootEntry(entry)
    const tree = root ? id : entry.tree.root
    this.records.set(id, entry)
    const ids = this.idsByTree.get(tree)
    if (ids === undefined) this.idsByTree.set(tree, [id])
    else ids.push(id)
    if (status !== 'verified') this.statusSets[status].add(id)
    if (root) this.roots.add(id)
    if (status === 'verified' && index) this.indexFor(tree).add(id, entry)
    return tree
  }

  private indexFor(tree: Id): TreeIndex {
    let index = this.indexes.get(tree)
    if (!index) this.indexes.set(tree, (index = new TreeIndex()))
    return index
  }

  private record(id: Id): Entry {
    assertString(id, 'id')
    const entry = this.records.get(id)
    if (!entry) throw new EntryNotFoundError(id)
    return entry
  }

  private statusOf(id: Id): VerificationStatus {
    return this.statusSets.unverified.has(id) ? 'unverified' : this.statusSets.failed.has(id) ? 'failed' : 'verified'
  }

  async get(id: Id): Promise<Entry> {
    return cloneEntry(this.record(id))
  }

  async has(id: Id): Promise<boolean> {
    assertString(id, 'id')
    return this.records.has(id)
  }

  async getStatus(id: Id): Promise<VerificationStatus> {
    this.record(id)
    return this.statusOf(id)
  }

  async setStatus(id: Id, status: VerificationStatus): Promise<void> {
    assertStatus(status)
    const entry = this.record(id)
    const old = this.statusOf(id)
    if (old === status) return
    if (old !== 'verified') this.statusSets[old].delete(id)
    if (status !== 'verified') this.statusSets[status].add(id)
    const tree = entryTree(id, entry)
    if (status === 'verified') this.indexFor(tree).add(id, entry)
    else if (old === 'verified') {
      // Leaving the visible DAG can lower heights and revive tips: rebuild
      // this database's index (rare: the engine verifies before it trusts).
      const rest = new Map([...this.indexFor(tree).all()].filter(([other]) => other !== id))
      this.indexes.set(tree, TreeIndex.build(rest))
    }
  }

  async idsByStatus(status: VerificationStatus): Promise<Id[]> {
    const wanted = assertStatus(status)
    if (wanted !== 'verified') return [...this.statusSets[wanted]].sort(compareIds)
    const ids: Id[] = []
    for (const id of this.records.keys()) if (this.statusOf(id) === 'verified') ids.push(id)
    return ids.sort(compareIds)
  }

  async treeEntryIds(tree: Id): Promise<Id[]> {
    assertString(tree, 'tree')
    return [...(this.idsByTree.get(tree) ?? [])]
  }

  async rootIds(): Promise<Id[]> {
    return [...this.roots].sort(compareIds)
  }

  // ---- local keys and metadata ------------------------------------------

  async putLocalKey(name: string, key: Uint8Array): Promise<void> {
    assertString(name, 'name')
    this.localKeys.set(name, assertBytes(key, 'key').slice())
  }

  async getLocalKey(name: string): Promise<Uint8Array | undefined> {
    assertString(name, 'name')
    return this.localKeys.get(name)?.slice()
  }

  async listLocalKeys(): Promise<string[]> {
    return [...this.localKeys.keys()].sort(compareIds)
  }

  async deleteLocalKey(name: string): Promise<void> {
    assertString(name, 'name')
    this.localKeys.delete(name)
  }

  async getMetadata(key: string): Promise<string | undefined> {
    return this.metadata.get(assertString(key, 'key'))
  }

  async setMetadata(key: string, value: string): Promise<void> {
    this.metadata.set(assertString(key, 'key'), assertString(value, 'value'))
  }

  // ---- graph queries served by the incremental index ---------------------

  protected override async graphSource(tree: Id): Promise<GraphSource> {
    return this.indexes.get(tree) ?? EMPTY_INDEX
  }

  override async getTips(tree: Id): Promise<Id[]> {
    assertString(tree, 'tree')
    const index = this.indexes.get(tree) ?? EMPTY_INDEX
    return sortByHeight(index, index.tips())
  }

  override async getStoreTips(tree: Id, store: string): Promise<Id[]> {
    assertString(tree, 'tree')
    assertString(store, 'store')
    const index = this.indexes.get(tree) ?? EMPTY_INDEX
    return sortByHeight(index, index.storeTips(store))
  }

  override async getHeight(tree: Id, id: Id): Promise<number> {
    assertString(tree, 'tree')
    assertString(id, 'id')
    const index = this.indexes.get(tree)
    if (!index?.entry(id)) throw new EntryNotFoundError(id, `entry ${id} is not a verified entry of database ${tree}`)
    return index.height(id)
  }

  // ---- snapshots ----------------------------------------------------------

  /**
   * Writes a snapshot of everything (entries with their statuses, local
   * keys, metadata) to `path` atomically: temp file in the same folder,
   * fsync, rename, folder fsync. Node only. The file holds local keys
   * unencrypted and is created with mode 0600.
   * @throws SnapshotWriteError (`SNAPSHOT_WRITE_FAILED`); the previous snapshot at `path` is left intact.
   */
  async save(path: string): Promise<void> {
    assertString(path, 'path')
    const data: SnapshotData = {
      entries: new Map([...this.records].map(([id, entry]) => [id, { entry, status: this.statusOf(id) }])),
      localKeys: this.localKeys,
      metadata: this.metadata,
    }
    const text = serializeSnapshot(data) // before any await: one consistent state
    const { writeSnapshotFile } = await import('./snapshot.node.js')
    await writeSnapshotFile(path, text)
  }

  /**
   * Restores a backend from a snapshot written by {@link save}. Every entry is
   * re-validated and re-hashed against its id. Never modifies the file.
   * @throws NotFoundError (`NOT_FOUND`) when the file does not exist;
   * CorruptSnapshotError (`CORRUPT_SNAPSHOT`) for a corrupt, truncated,
   * tampered or unknown-version file; SnapshotReadError (`SNAPSHOT_READ_FAILED`).
   */
  static async load(path: string): Promise<MemoryBackend> {
    assertString(path, 'path')
    const { readSnapshotFile } = await import('./snapshot.node.js')
    const text = await readSnapshotFile(path)
    if (text === null) throw new CorruptSnapshotError(path, 'not valid UTF-8')
    return MemoryBackend.fromSnapshot(parseSnapshot(text, path))
  }

  private static fromSnapshot(data: SnapshotData): MemoryBackend {
    const backend = new MemoryBackend()
    const verifiedByTree = new Map<Id, Map<Id, Entry>>()
    for (const [id, { entry, status }] of data.entries) {
      // Verified entries are indexed in bulk below, parents first.
      const tree = backend.store(id, entry, status, false)
      if (status !== 'verified') continue
      let m = verifiedByTree.get(tree)
      if (!m) verifiedByTree.set(tree, (m = new Map()))
      m.set(id, entry)
    }
    for (const [tree, entries] of verifiedByTree) backend.indexes.set(tree, TreeIndex.build(entries))
    for (const [name, key] of data.localKeys) backend.localKeys.set(name, key)
    for (const [key, value] of data.metadata) backend.metadata.set(key, value)
    return backend
  }
}
