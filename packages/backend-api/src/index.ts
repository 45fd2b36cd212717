/**
 * @module
 * @engram/backend-api: the storage contract of Engram. The Entry wire shape
 * and its one canonical encoding, validation helpers, the `Backend`
 * interface, `AbstractBackend` with the shared graph algorithms, and the
 * typed errors. The conformance suite is the `./conformance` subpath.
 */
export type { Entry, Id, VerificationStatus, TreeNode, SubTreeNode, DelegationStep, SigKey, SigInfo } from './entry.js'
export { CHECKPOINTS_KEPT } from './backend.js'
export type { Backend, ChangedEntry, Checkpoint, InsertingBackend, WatchableBackend, CheckpointBackend } from './backend.js'
export { canInsert, canWatch, hasCheckpoints, assertCheckpoint, insertEntry } from './capabilities.js'
export { encodeEntry, encodeEntryText, signingBytes, entryId } from './encode.js'
export {
  ROOT_STORE,
  ENTRY_LIMITS,
  hasControlCharacter,
  validateEntryShape,
  validateEntryRules,
  validateEntry,
  isRootEntry,
  entryTree,
  isVerificationStatus,
  assertStatus,
  assertString,
  assertIdList,
  assertBytes,
  checkPut,
} from './validate.js'
export { sealEntry, signAndSealEntry, prepareSeal, type Sealing } from './seal.js'
export { compareByHeightThenId, compareIds, type HeightAndId } from './order.js'
export { AbstractBackend, cloneEntry } from './abstract-backend.js'
export { IndexedBackend, entrySkeleton, graphText, parseStoredEntry, skeletonFromGraphText, storedSkeleton } from './indexed-backend.js'
export * from './graph/index.js'
export {
  EngramError,
  EntryNotFoundError,
  InvalidEntryError,
  EmptyEntryListError,
  NoCommonAncestorError,
  NotFoundError,
  CorruptSnapshotError,
  SnapshotWriteError,
  SnapshotReadError,
  UnsupportedFormatError,
  CorruptStoreError,
  StorageFullError,
  ConnectionLostError,
  StorageError,
  BackendClosedError,
} from './errors.js'
