/**
 * @module
 * Reading `keys` rows back from the user database: every field is checked,
 * because the row comes from storage (a snapshot file, or a peer), not from
 * this process.
 */
import { CorruptKeyError } from '../errors.js'
import type { KeyEncryption, KeyRow } from '../types.js'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseEncryption(v: unknown): KeyEncryption | undefined {
  if (!isObject(v)) return undefined
  if (v.type === 'none') return { type: 'none' }
  if (v.type === 'aes-256-gcm' && typeof v.nonce === 'string') return { type: 'aes-256-gcm', nonce: v.nonce }
  return undefined
}

/**
 * Checks the shape of a stored `keys` row.
 * @throws CorruptKeyError (`CORRUPT_KEY`) when a field is missing or of the wrong type.
 */
export function parseKeyRow(value: unknown): KeyRow {
  const bad = (field: string) => new CorruptKeyError(`a stored key row has a bad ${field}`)
  if (!isObject(value)) throw bad('shape')
  const { keyId, privateKey, displayName, createdAt, isDefault, databaseSigKeys } = value
  if (typeof keyId !== 'string') throw bad('keyId')
  if (typeof privateKey !== 'string') throw bad('privateKey')
  const encryption = parseEncryption(value.encryption)
  if (!encryption) throw bad('encryption')
  if (displayName !== null && typeof displayName !== 'string') throw bad('displayName')
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) throw bad('createdAt')
  if (typeof isDefault !== 'boolean') throw bad('isDefault')
  const mappings: Record<string, string> = {}
  if (databaseSigKeys !== undefined && databaseSigKeys !== null) {
    if (!isObject(databaseSigKeys)) throw bad('databaseSigKeys')
    for (const [db, sigKey] of Object.entries(databaseSigKeys)) {
      if (typeof sigKey !== 'string') throw bad('databaseSigKeys')
      mappings[db] = sigKey
    }
  }
  return { keyId, privateKey, encryption, displayName, createdAt, isDefault, databaseSigKeys: mappings }
}

/** Oldest first; equal times by key id, so the order is the same everywhere. */
export function compareKeyRows(a: Pick<KeyRow, 'createdAt' | 'keyId'>, b: Pick<KeyRow, 'createdAt' | 'keyId'>): number {
  return a.createdAt - b.createdAt || (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0)
}

/** The default key: the first row marked default (oldest first), else the oldest. */
export function defaultKeyRow<R extends Pick<KeyRow, 'createdAt' | 'keyId' | 'isDefault'>>(rows: readonly R[]): R | undefined {
  const sorted = [...rows].sort(compareKeyRows)
  return sorted.find((r) => r.isDefault) ?? sorted[0]
}

/**
 * Whether a session may use `row`: a password session only sealed rows (a
 * plain row in a password user's database was not written by this user's
 * sessions, which seal every key, and would open without the password); a
 * passwordless session any (sealed rows then fail to open, as CORRUPT_KEY).
 */
export const isUsableRow = (row: Pick<KeyRow, 'encryption'>, passwordSession: boolean): boolean =>
  !passwordSession || row.encryption.type !== 'none'
