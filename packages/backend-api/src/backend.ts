/**
 * @module
 * The storage contract every Engram backend implements.
 *
 * A plugin author extends {@link AbstractBackend} and writes only the
 * required primitives (marked `abstract` there): entry put/get, status,
 * the per-database entry listing, local keys and instance metadata. The
 * graph questions (tips, store tips, heights, LCA, paths, ordered walks) are
 * answered by the shared implementation in `AbstractBackend` over those
 * primitives; a backend may override any of them with a native answer
 * (an SQL query, an incrementally kept index) where that is faster, and the
 * conformance suite checks that the answers stay the same.
 *
 * Ordering: wherever a list of entries is ordered, it is by (height, id)
 * ascending, where height is the entry's tree height (longest path from the
 * database root along main parents, root = 0) and ids compare as strings.
 *
 * Visibility: graph queries see only entries whose status is `verified`.
 * Unverified and failed entries are stored (get/has/getStatus see them) but
 * take no part in tips, heights, walks, LCA or paths; links to parents that
 * are absent or not verified are ignored (an entry whose parents are all
 * missing has height 0 until they arrive). Keeping the visible DAG
 * ancestor-closed (verifying parents first, DECISIONS 4) is the engine's job.
 *
 * Membership: an entry belongs to one database (`tree`): a root entry to its
 * own id, every other entry to its `tree.root`.
 *
 * Ids passed to graph queries must name verified entries of `tree` (and, for
 * `findLca`/`getPathFromTo`, entries holding a node for the store), else
 * `ENTRY_NOT_FOUND`. A database with no verified entries has no tips.
 *
 * Required: every method under "required primitives". Optional: every graph
 * query (AbstractBackend implements them over the primitives).
 */
import type { Entry, Id, VerificationStatus } from './entry.js'

/** The whole Backend surface, as the engine uses it. */
export interface Backend {
  // ---- required primitives -------------------------------------------

  /**
   * Stores `entry` under `id` with `status`. Backends run {@link checkPut}
   * first, so a malformed entry, a bad status or an `id` that is not
   * `entryId(entry)` is refused (`INVALID_ENTRY` / RangeError) and nothing is
   * stored. Re-putting a known id is a no-op: the stored entry and its status
   * are kept (use {@link setStatus} for transitions). Concurrent puts are
   * safe. Entries may arrive in any order (children before parents).
   * @throws InvalidEntryError (`INVALID_ENTRY`).
   */
  put(id: Id, entry: Entry, status: VerificationStatus): Promise<void>
  /** The entry (a copy the caller may change), whatever its status. @throws EntryNotFoundError (`ENTRY_NOT_FOUND`) when absent. */
  get(id: Id): Promise<Entry>
  /** Whether an entry with this id is stored, whatever its status. */
  has(id: Id): Promise<boolean>
  /** @throws EntryNotFoundError (`ENTRY_NOT_FOUND`) when absent. */
  getStatus(id: Id): Promise<VerificationStatus>
  /**
   * Changes an entry's status; any transition is allowed (the engine decides
   * which make sense). Graph answers follow at once.
   * @throws EntryNotFoundError (`ENTRY_NOT_FOUND`) when absent.
   */
  setStatus(id: Id, status: VerificationStatus): Promise<void>
  /** Ids of every stored entry with this status, sorted by id. */
  idsByStatus(status: VerificationStatus): Promise<Id[]>
  /**
   * Ids of every stored entry (any status) that belongs to database `tree`:
   * the root entry whose id is `tree`, and every entry whose `tree.root`
   * is `tree`. Any order.
   */
  treeEntryIds(tree: Id): Promise<Id[]>
  /** Ids of every stored root entry (a `_root` subtree and no parents), sorted. */
  rootIds(): Promise<Id[]>

  /**
   * Durably stores a local key (e.g. the device key, DECISIONS 9) under
   * `name`, overwriting. The backend keeps its own copy, so the caller may
   * wipe `key` afterwards. Local keys are never synced.
   */
  putLocalKey(name: string, key: Uint8Array): Promise<void>
  /** The local key, or `undefined`. Returns a copy the caller may wipe. */
  getLocalKey(name: string): Promise<Uint8Array | undefined>
  /** Names of the stored local keys, sorted. */
  listLocalKeys(): Promise<string[]>
  /** Removes a local key; removing an absent key is not an error. */
  deleteLocalKey(name: string): Promise<void>

  /** Instance metadata (small strings, e.g. the format version); `undefined` when unset. */
  getMetadata(key: string): Promise<string | undefined>
  /** Sets instance metadata; overwrites. */
  setMetadata(key: string, value: string): Promise<void>

  // ---- graph queries (optional: shared implementation in AbstractBackend)

  /** Tips of database `tree`: verified entries of the tree no verified entry of the tree names as a main parent. Ordered; `[]` for an unknown tree. */
  getTips(tree: Id): Promise<Id[]>
  /** Tips of store `store` inside `tree`: verified entries holding a node for `store` (with or without data) that no such entry names as a `store` parent. Ordered. */
  getStoreTips(tree: Id, store: string): Promise<Id[]>
  /**
   * Store tips among the main-parent history of `mainIds` (inclusive): the
   * entries of that history holding `store` that no other such entry names
   * as a `store` parent. `[]` for empty `mainIds`. Ordered.
   * @throws EntryNotFoundError when a main id is not a verified entry of `tree`.
   */
  getStoreTipsUpTo(tree: Id, store: string, mainIds: readonly Id[]): Promise<Id[]>
  /** Tree height of a verified entry of `tree` (longest main-parent path from an entry without present parents). @throws EntryNotFoundError when absent, not verified or not in `tree`. */
  getHeight(tree: Id, id: Id): Promise<number>
  /** Every verified entry of the tree. Ordered. */
  getTree(tree: Id): Promise<Entry[]>
  /** Verified ancestors of `tips` along main parents, tips included. Ordered. @throws EntryNotFoundError for an unknown tip. */
  getTreeFromTips(tree: Id, tips: readonly Id[]): Promise<Entry[]>
  /** Verified entries of the tree holding a node for `store`. Ordered (by tree height, then id). */
  getStore(tree: Id, store: string): Promise<Entry[]>
  /**
   * Ancestors of `tips` along `store` parents among verified entries holding
   * `store`, tips included; tips holding no node for `store` add nothing.
   * Ordered. @throws EntryNotFoundError for a tip that is not a verified entry of `tree`.
   */
  getStoreFromTips(tree: Id, store: string, tips: readonly Id[]): Promise<Entry[]>
  /**
   * Lowest common ancestor of `ids` in the `store` DAG: the common ancestor
   * (each id counts as its own ancestor) of greatest height, ties broken by
   * smallest id. @throws EmptyEntryListError (`EMPTY_ENTRY_LIST`) for `[]`;
   * EntryNotFoundError for an id that is not a verified entry of `tree`
   * holding `store`; NoCommonAncestorError (`NO_COMMON_ANCESTOR`) when there is none.
   */
  findLca(tree: Id, store: string, ids: readonly Id[]): Promise<Id>
  /**
   * The entries in the `store` history of some `to` id (inclusive) that are
   * not in the history of `from` (inclusive): ancestors(to) minus
   * ancestors(from). So `from` is left out, and so is any ancestor of `from`
   * even when another route reaches it. Ordered.
   * @throws EntryNotFoundError when `from` or a `to` id is not a verified
   * entry of `tree` holding `store`.
   */
  getPathFromTo(tree: Id, store: string, from: Id, to: readonly Id[]): Promise<Id[]>
}

// ---- optional capabilities ---------------------------------------------------
// A backend may add these; the engine uses them when present (see
// `canWatch` / `hasCheckpoints`), and the conformance kit tests them when the
// backend declares them (`supports` in `backendConformance`).

/**
 * A backend that stores an entry and says whether it was new, in one step:
 * a commit then costs one write where `has` + `put` cost two (two round
 * trips on a database server).
 */
export interface InsertingBackend extends Backend {
  /**
   * Does what {@link Backend.put} does, with the same checks and
   * durability, and resolves to `true` when this call stored the entry,
   * `false` when its id was stored already (the stored entry and status are
   * kept). Of concurrent inserts of one id, exactly one resolves to `true`.
   */
  insert(id: Id, entry: Entry, status: VerificationStatus): Promise<boolean>
}

/** One entry another handle on the same storage stored, or whose status it changed. */
export interface ChangedEntry {
  id: Id
  /** Its database (`entryTree`). */
  tree: Id
  /** Its status now. */
  status: VerificationStatus
}

/** A backend whose storage other processes (or tabs) may write too. */
export interface WatchableBackend extends Backend {
  /**
   * Calls `onEntries` with the entries written by other handles (another
   * process, another connection) once this backend's reads see them: new
   * entries and status changes, in the order they were committed, in
   * batches. This handle's own writes are not reported. A callback that
   * throws is ignored. Returns the unsubscribe function (idempotent).
   */
  watch(onEntries: (entries: ChangedEntry[]) => void): () => void
}

/**
 * The state of one store at some store tips, serialised by the engine.
 * Derived data: the engine may write it at any time and must check it before
 * use (its tips verified entries of `tree`, its data decodes); a missing,
 * stale or damaged one is ignored and rebuilt from the entries.
 */
export interface Checkpoint {
  tree: Id
  store: string
  /** What folded the state (the engine's store type id). */
  kind: string
  /** The store tips the state is at: sorted, unique, at least one. */
  tips: Id[]
  /** Orders checkpoints of one (tree, store, kind): the greater, the newer (the engine uses the tips' greatest tree height). */
  height: number
  /** The serialised state; opaque to the backend. */
  data: string
}

/** A backend that keeps durable state checkpoints next to the entries. */
export interface CheckpointBackend extends Backend {
  /**
   * Stores a checkpoint durably, replacing one with the same tree, store,
   * kind and tips. The backend may drop older checkpoints of the same
   * (tree, store, kind): it keeps at least the newest {@link CHECKPOINTS_KEPT}.
   * @throws TypeError / RangeError for a malformed checkpoint.
   */
  putCheckpoint(checkpoint: Checkpoint): Promise<void>
  /** Checkpoints of (tree, store, kind), newest first (height descending, then tips), at most `limit` (default 1). */
  getCheckpoints(tree: Id, store: string, kind: string, limit?: number): Promise<Checkpoint[]>
  /** Removes the checkpoints of `tree` (all of them, or of one store). Absent ones are not an error. */
  deleteCheckpoints(tree: Id, store?: string): Promise<void>
}

/** How many checkpoints per (tree, store, kind) a {@link CheckpointBackend} keeps at least. */
export const CHECKPOINTS_KEPT = 4
