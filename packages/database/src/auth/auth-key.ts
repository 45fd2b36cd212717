/**
 * @module
 * Auth entries as stored in `_settings.auth` (system-layer §4.1, our
 * encoding): `auth` is a nested Doc; each child key is an auth name whose
 * value is a plain object, either a direct key
 * `{ pubkey: 'ed25519:…' | '*', permission: Permission, status: 'active' | 'revoked' }`
 * or a delegation to another database
 * `{ delegate: { root: Id, tips: Id[] }, bounds: { max: Permission, min?: Permission } }`.
 * Permissions are stored as their plain data form (`{ kind: 'admin', priority: 0 }`).
 */
import type { Id } from '@engram/backend-api'
import { isId, isPublicKey } from '@engram/crypto'
import type { JsonValue } from '../crdt/index.js'
import { InvalidSettingsError } from '../errors.js'
import { Permission, type PermissionBounds } from './permission.js'

/** The wildcard auth name: any key may sign under it (with `sig.pubkey`). */
export const WILDCARD = '*'

/** A key in `_settings.auth`. */
export interface AuthKey {
  /** `ed25519:<base64>`, or `*` for the wildcard entry. */
  pubkey: string
  permission: Permission
  status: 'active' | 'revoked'
}

/** A delegation to another database: its keys sign here, clamped by `bounds`. */
export interface DelegationRef {
  delegate: { root: Id; tips: Id[] }
  bounds: PermissionBounds
}

/** One parsed value of `_settings.auth`. */
export type AuthEntry = { kind: 'key'; key: AuthKey } | { kind: 'delegation'; ref: DelegationRef }

const isObject = (v: unknown): v is { [k: string]: JsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Checks an AuthKey given by a caller and returns a normalised copy.
 * @throws TypeError for wrong types; InvalidSettingsError (`INVALID_SETTINGS`)
 * for a malformed public key or permission.
 */
export function checkAuthKey(name: string, value: unknown): AuthKey {
  if (!isObject(value)) throw new TypeError('auth key must be an object { pubkey, permission, status? }')
  const { pubkey, permission, status = 'active' } = value as { pubkey?: unknown; permission?: unknown; status?: unknown }
  if (typeof pubkey !== 'string') throw new TypeError('auth key pubkey must be a string')
  if (pubkey === WILDCARD ? name !== WILDCARD : !isPublicKey(pubkey))
    throw new InvalidSettingsError(`auth key "${name}": pubkey must be "ed25519:<base64>" (or "*" for the "*" entry)`)
  if (name === WILDCARD && pubkey !== WILDCARD) throw new InvalidSettingsError('the "*" auth entry must have pubkey "*"')
  const perm = Permission.from(permission)
  if (perm === undefined) throw new InvalidSettingsError(`auth key "${name}": malformed permission`)
  if (status !== 'active' && status !== 'revoked')
    throw new InvalidSettingsError(`auth key "${name}": status must be "active" or "revoked"`)
  return { pubkey, permission: perm, status }
}

/** Checks an auth key name: a non-empty string without dots (names are path segments). */
export function checkKeyName(name: unknown): string {
  if (typeof name !== 'string') throw new TypeError('auth key name must be a string')
  if (name === '' || name.includes('.')) throw new RangeError('auth key name must be non-empty and contain no "."')
  return name
}

function parseBounds(value: JsonValue | undefined): PermissionBounds | undefined {
  if (!isObject(value)) return undefined
  const max = Permission.from(value.max)
  if (max === undefined) return undefined
  if (value.min === undefined || value.min === null) return { max }
  const min = Permission.from(value.min)
  return min === undefined ? undefined : { max, min }
}

/**
 * Parses one stored auth value.
 * @throws InvalidSettingsError (`INVALID_SETTINGS`) when it is neither form.
 */
export function parseAuthEntry(name: string, value: JsonValue | undefined): AuthEntry {
  if (isObject(value)) {
    if ('delegate' in value) {
      const d = value.delegate
      const bounds = parseBounds(value.bounds)
      if (
        isObject(d) &&
        isId(d.root) &&
        Array.isArray(d.tips) &&
        d.tips.every((t) => isId(t)) &&
        bounds !== undefined
      )
        return { kind: 'delegation', ref: { delegate: { root: d.root, tips: [...(d.tips as string[])] }, bounds } }
    } else if ('pubkey' in value) {
      try {
        return { kind: 'key', key: checkAuthKey(name, value) }
      } catch (err) {
        // Stored data, not a caller's argument: wrong types are malformed settings too.
        if (err instanceof TypeError) throw new InvalidSettingsError(`auth entry "${name}" is malformed: ${err.message}`)
        throw err
      }
    }
  }
  throw new InvalidSettingsError(`auth entry "${name}" is malformed`)
}

/** The stored (plain JSON) form of an AuthKey. */
export function authKeyToJson(key: AuthKey): JsonValue {
  return { pubkey: key.pubkey, permission: permissionToJson(key.permission), status: key.status }
}

/** The stored (plain JSON) form of a DelegationRef. */
export function delegationToJson(ref: DelegationRef): JsonValue {
  const bounds: { [k: string]: JsonValue } = { max: permissionToJson(ref.bounds.max) }
  if (ref.bounds.min !== undefined) bounds.min = permissionToJson(ref.bounds.min)
  return { delegate: { root: ref.delegate.root, tips: [...ref.delegate.tips] }, bounds }
}

/** The stored form of a Permission. */
export function permissionToJson(p: Permission): JsonValue {
  return p.kind === 'read' ? { kind: 'read' } : { kind: p.kind, priority: p.priority }
}

/** The strongest permission an auth entry can confer (a delegation: its max bound). */
export function entryStrength(entry: AuthEntry): Permission {
  return entry.kind === 'key' ? entry.key.permission : entry.ref.bounds.max
}
