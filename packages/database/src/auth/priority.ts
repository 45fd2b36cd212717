/**
 * @module
 * What a settings change may do to `auth` (DECISIONS 7): the signer must be
 * Admin; every auth entry it adds, changes or removes must be no stronger
 * than the signer, before and after the change (so Admin(p) grants at most
 * Admin(p)); `auth` must stay an object and every changed entry well-formed.
 */
import type { Doc, JsonValue } from '../crdt/index.js'
import { InvalidSettingsError, UnauthorizedError } from '../errors.js'
import { entryStrength, parseAuthEntry } from './auth-key.js'
import { Permission } from './permission.js'
import { authState, requireAuthDoc } from './settings-auth.js'

function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => jsonEqual(v, b[i]))
  }
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every((k) => k in b && jsonEqual(a[k], b[k]))
}

/**
 * Checks a settings change made by a signer holding `signer`.
 * `before` = settings at the entry's parents (or `undefined` for a root
 * entry, which is checked against its own settings), `after` = the merged
 * result.
 * @throws InvalidSettingsError (`INVALID_SETTINGS`) when `auth` is no longer an
 * object or a changed entry is malformed; UnauthorizedError (`UNAUTHORIZED`)
 * when the signer is not Admin or a changed entry is stronger than the signer.
 */
export function checkSettingsChange(signer: Permission, before: Doc | undefined, after: Doc): void {
  const afterAuth = requireAuthDoc(after)
  if (!Permission.canAdmin(signer)) throw new UnauthorizedError('changing settings needs an Admin key')
  if (before === undefined) {
    // A root entry: everything it grants is a change.
    for (const name of afterAuth?.keys() ?? []) checkEntry(signer, name, undefined, afterAuth?.get(name))
    return
  }
  const state = authState(before)
  const beforeAuth = state.kind === 'doc' ? state.auth : undefined
  const names = new Set<string>([...(beforeAuth?.keys() ?? []), ...(afterAuth?.keys() ?? [])])
  for (const name of names) {
    const old = beforeAuth?.get(name)
    const now = afterAuth?.get(name)
    if (!jsonEqual(old, now)) checkEntry(signer, name, old, now)
  }
}

function checkEntry(signer: Permission, name: string, old: JsonValue | undefined, now: JsonValue | undefined): void {
  if (old !== undefined) {
    let strength: Permission | undefined
    try {
      strength = entryStrength(parseAuthEntry(name, old))
    } catch (err) {
      // A malformed old entry may be repaired by any Admin.
      if (!(err instanceof InvalidSettingsError)) throw err
    }
    if (strength !== undefined && Permission.compare(strength, signer) > 0)
      throw new UnauthorizedError(`auth entry "${name}" is stronger than the signer and cannot be changed by it`)
  }
  if (now !== undefined) {
    const strength = entryStrength(parseAuthEntry(name, now))
    if (Permission.compare(strength, signer) > 0)
      throw new UnauthorizedError(`the signer cannot grant "${name}" a permission stronger than its own`)
  }
}
