/**
 * @module
 * The codes @engram/backend-memory throws. They are defined in
 * @engram/backend-api (any file-based backend may share them) and re-exported here.
 */
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
} from '@engram/backend-api'
