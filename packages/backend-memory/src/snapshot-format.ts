/**
 * @module
 * The snapshot file format (browser-safe; the file I/O is in
 * `snapshot.node.ts`). Version 1 is one JSON object:
 * `{ "format": "engram-memory-snapshot", "version": 1,
 *    "entries": { <id>: { "entry": Entry, "status": status } },
 *    "localKeys": { <name>: <base64> }, "metadata": { <key>: <string> } }`.
 * Everything read back is re-checked: each entry's shape and rules, that
 * it hashes to its key (STYLE "For Engram" 6), and that the statuses agree
 * with the DAG (`checkConsistency`).
 */
import {
  CorruptSnapshotError,
  entryId,
  entryTree,
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
  const inconsistency = checkConsistency(data.entries)
  if (inconsistency !== undefined) return corrupt(inconsistency)
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

/**
 * Whether the stored statuses can be what an engine wrote: a verified entry
 * was verified after everything it depends on, so each of its main parents,
 * store parents and delegated tips is stored and verified, and its main
 * parents belong to its own database. (Unverified and failed entries may
 * name entries that never arrived.) A gap in a chain, or a failed or
 * unverified entry edited to `verified` below an entry that is not, breaks
 * this. What it cannot see: a failed entry whose parents are all verified,
 * edited to `verified` — telling that apart needs the auth rules, which a
 * backend does not know.
 * @returns the first problem found, or `undefined`.
 */
export function checkConsistency(entries: ReadonlyMap<Id, { entry: Entry; status: VerificationStatus }>): string | undefined {
  const verified = (id: Id): boolean => entries.get(id)?.status === 'verified'
  for (const [id, { entry, status }] of entries) {
    if (status !== 'verified') continue
    const tree = entryTree(id, entry)
    for (const p of entry.tree.parents) {
      const parent = entries.get(p)
      if (parent === undefined) return `verified entry ${id} names parent ${p}, which is not in the snapshot`
      if (parent.status !== 'verified') return `verified entry ${id} has a ${parent.status} parent ${p}`
      if (entryTree(p, parent.entry) !== tree) return `verified entry ${id} has parent ${p} of another database`
    }
    for (const node of entry.subtrees)
      for (const p of node.parents)
        if (!verified(p)) return `verified entry ${id} has store parent ${p} that is missing or not verified`
    if (typeof entry.sig.key !== 'string')
      for (const step of entry.sig.key)
        for (const tip of step.tips ?? [])
          if (!verified(tip)) return `verified entry ${id} names delegated tip ${tip} that is missing or not verified`
  }
  return undefined
}
