/**
 * @module
 * Reading `_settings.auth` out of a settings Doc, and `findSigKeys`.
 */
import type { Doc } from '../crdt/index.js'
import { InvalidSettingsError } from '../errors.js'
import { parseAuthEntry, WILDCARD, type AuthEntry } from './auth-key.js'
import { Permission } from './permission.js'

/** The `auth` setting: absent, a Doc, or something else (which makes the database unusable). */
export type AuthState = { kind: 'none' } | { kind: 'doc'; auth: Doc } | { kind: 'invalid' }

/** Classifies `settings.auth`. */
export function authState(settings: Doc): AuthState {
  const auth = settings.getDoc('auth')
  if (auth !== undefined) return { kind: 'doc', auth }
  if (settings.has('auth') || settings.isTombstone('auth')) return { kind: 'invalid' }
  return { kind: 'none' }
}

/**
 * The `auth` Doc of settings that are about to be committed.
 * @throws InvalidSettingsError (`INVALID_SETTINGS`) when `auth` is deleted or not an object.
 */
export function requireAuthDoc(settings: Doc): Doc | undefined {
  const state = authState(settings)
  if (state.kind === 'invalid') throw new InvalidSettingsError('settings.auth must be an object (it was deleted or replaced)')
  return state.kind === 'doc' ? state.auth : undefined
}

/** Every auth entry, by name (sorted); a malformed one as `undefined`. */
export function authEntries(auth: Doc | undefined): Map<string, AuthEntry | undefined> {
  const out = new Map<string, AuthEntry | undefined>()
  if (auth === undefined) return out
  for (const name of auth.keys()) {
    try {
      out.set(name, parseAuthEntry(name, auth.get(name)))
    } catch (err) {
      if (!(err instanceof InvalidSettingsError)) throw err
      out.set(name, undefined)
    }
  }
  return out
}

/** A key name under which `publicKey` may sign, and the permission it gets. */
export interface SigKeyMatch {
  sigKey: string
  permission: Permission
}

/**
 * Auth names `publicKey` can sign under, strongest first (ties by name):
 * every active direct key with that public key, plus `*` when an active
 * wildcard exists. Delegation paths are not searched.
 */
export function findSigKeysIn(settings: Doc, publicKey: string): SigKeyMatch[] {
  const state = authState(settings)
  if (state.kind !== 'doc') return []
  const out: SigKeyMatch[] = []
  for (const [name, entry] of authEntries(state.auth)) {
    if (entry?.kind !== 'key' || entry.key.status !== 'active') continue
    if (name === WILDCARD ? entry.key.pubkey === WILDCARD : entry.key.pubkey === publicKey)
      out.push({ sigKey: name, permission: entry.key.permission })
  }
  return out.sort((a, b) => Permission.compare(b.permission, a.permission) || (a.sigKey < b.sigKey ? -1 : 1))
}
