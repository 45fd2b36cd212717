/**
 * @module
 * The snapshot file format (browser-safe; the file I/O is in
 * `snapshot.node.ts`). Version 1 is one JSON object:
 * `{ "format": "engram-memory-snapshot", "version": 1,
 *    "entries": { <id>: { "entry": Entry, "status": status } },
 *    "localKeys": { <name>: <base64> }, "metadata": { <key>: <string> } }`.
 * Everything read back is re-checked: each entry's shape and rules, and that
 * it hashes to its key (STYLE "For Engram" 6).
 */
import {
  CorruptSnapshotError,
  entryId,
  isVerificationStatus,
  validateEntry,
  type Entry,
  type Id,
  type VerificationStatus,
} from '@engram/backend-api'
import { base64ToBytes, bytesToBase64 } from '@engram/crypto'

export const SNAPSHOT_FORMAT = 'engram-memory-snapshot'
export const SNAPSHOT_VERSION = 1

/** What a snapshot holds. */
export interface SnapshotData {
  entries: Map<Id, { entry: Entry; status: VerificationStatus }>
  localKeys: Map<string, Uint8Array>
  metadata: Map<string, string>
}

/** The snapshot text of `data` (synchronous, so a save sees one consistent state). */
export function serializeSnapshot(data: SnapshotData): string {
  const entries: Record<string, unknown> = {}
  for (const [id, record] of data.entries) entries[id] = { entry: record.entry, status: record.status }
  const localKeys: Record<string, string> = {}
  for (const [name, key] of data.localKeys) localKeys[name] = bytesToBase64(key)
  return JSON.stringify({
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    entries,
    localKeys,
    metadata: Object.fromEntries(data.metadata),
  })
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Parses and checks snapshot text.
 * @throws CorruptSnapshotError (`CORRUPT_SNAPSHOT`) for bad or truncated JSON,
 * another format or version, a malformed field, or an entry that fails
 * validation or does not hash to its id.
 */
export function parseSnapshot(text: string, path: string): SnapshotData {
  const corrupt = (reason: string, cause?: unknown): never => {
    throw new CorruptSnapshotError(path, reason, cause === undefined ? undefined : { cause })
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    return corrupt('not valid JSON (truncated?)', err)
  }
  if (!isObject(doc) || doc.format !== SNAPSHOT_FORMAT) return corrupt('not an Engram memory snapshot')
  if (doc.version !== SNAPSHOT_VERSION) return corrupt(`unknown format version ${JSON.stringify(doc.version)}`)
  if (!isObject(doc.entries) || !isObject(doc.localKeys) || !isObject(doc.metadata))
    return corrupt('entries, localKeys and metadata must be objects')

  const data: SnapshotData = { entries: new Map(), localKeys: new Map(), metadata: new Map() }
  for (const [id, record] of Object.entries(doc.entries)) {
    if (!isObject(record) || !isVerificationStatus(record.status)) return corrupt(`entry ${id}: bad record`)
    let entry: Entry
    try {
      entry = validateEntry(record.entry)
    } catch (err) {
      return corrupt(`entry ${id} is malformed`, err)
    }
    if (entryId(entry) !== id) return corrupt(`entry ${id} does not hash to its id`)
    data.entries.set(id, { entry, status: record.status })
  }
  for (const [name, value] of Object.entries(doc.localKeys)) {
    if (typeof value !== 'string') return corrupt(`local key ${name} is not base64`)
    try {
      data.localKeys.set(name, base64ToBytes(value))
    } catch (err) {
      return corrupt(`local key ${name} is not base64`, err)
    }
  }
  for (const [key, value] of Object.entries(doc.metadata)) {
    if (typeof value !== 'string') return corrupt(`metadata ${key} is not a string`)
    data.metadata.set(key, value)
  }
  return data
}
