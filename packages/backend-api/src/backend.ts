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
