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
 * A later version adds its step to {@link upgradeSchema}; a database at a
 * version above {@link SCHEMA_VERSION} is refused (`UNSUPPORTED_FORMAT`).
 */
import type { Entry, VerificationStatus } from '@engram/backend-api'

export const SCHEMA_VERSION = 1
export const ENTRIES = 'entries'
export const LOCAL_KEYS = 'localKeys'
export const METADATA = 'metadata'
export const STORES = [ENTRIES, LOCAL_KEYS, METADATA] as const

/** One stored entry. */
export interface StoredRecord {
  readonly entry: Entry
  readonly status: VerificationStatus
}

/** Brings a database from `oldVersion` to {@link SCHEMA_VERSION}, step by step. */
export function upgradeSchema(db: IDBDatabase, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore(ENTRIES)
    db.createObjectStore(LOCAL_KEYS)
    db.createObjectStore(METADATA)
  }
}
