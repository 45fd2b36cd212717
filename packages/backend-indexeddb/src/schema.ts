/**
 * @module
 * The IndexedDB schema, versioned through `onupgradeneeded` (the database
 * version is the schema version).
 *
 * Version 1:
 * - `entries`: key = entry id, value = {@link StoredRecord} (the entry as a
 *   structured clone and its verification status);
 * - `localKeys`: key = key name, value = the key bytes (`Uint8Array`);
 * - `metadata`: key = metadata key, value = string.
 *
 * Version 2 adds the change sequence: every write of an `entries` record (a
 * new entry, a status change) stamps it with `seq`, one more than the
 * greatest `seq` stored, and with `by`, the writing handle's token; the
 * unique index `seq` on `entries` lets a handle find what changed since it
 * last looked. Records written under version 1 carry no `seq` (they are not
 * in the index) until they are next rewritten.
 *
 * A later version adds its step to {@link upgradeSchema}; a database at a
 * version above {@link SCHEMA_VERSION} is refused (`UNSUPPORTED_FORMAT`).
 */
import type { Entry, VerificationStatus } from '@engram/backend-api'
import { CorruptStoreError } from './errors.js'

export const SCHEMA_VERSION = 2
export const ENTRIES = 'entries'
export const LOCAL_KEYS = 'localKeys'
export const METADATA = 'metadata'
export const STORES = [ENTRIES, LOCAL_KEYS, METADATA] as const
/** The index of `entries` on `seq` (schema version 2). */
export const SEQ_INDEX = 'seq'

/** One stored entry. */
export interface StoredRecord {
  readonly entry: Entry
  readonly status: VerificationStatus
  /** The change sequence number of this record's last write (absent on records written by schema version 1). */
  readonly seq?: number
  /** The token of the handle that last wrote this record (absent on records written by schema version 1). */
  readonly by?: string
}

/** Brings a database from `oldVersion` to {@link SCHEMA_VERSION}, step by step. */
export function upgradeSchema(db: IDBDatabase, oldVersion: number, tx: IDBTransaction): void {
  if (oldVersion < 1) {
    db.createObjectStore(ENTRIES)
    db.createObjectStore(LOCAL_KEYS)
    db.createObjectStore(METADATA)
  } else {
    // Not an Engram database (or a damaged one): refuse it before changing anything (the upgrade is aborted).
    for (const store of STORES) if (!db.objectStoreNames.contains(store)) throw new CorruptStoreError(db.name, `object store "${store}" is missing`)
  }
  if (oldVersion < 2) tx.objectStore(ENTRIES).createIndex(SEQ_INDEX, SEQ_INDEX, { unique: true })
}
