/**
 * @module
 * What a settings change may do to `auth` (DECISIONS 7): the signer must be
 * Admin; every auth entry it adds, changes or removes must be no stronger
 * than the signer, before and after the change (so Admin(p) grants at most
 * Admin(p)); `auth` must stay an object and every changed entry well-formed.
 */
import { Doc, List, type JsonValue } from '../crdt/index.js'
import { InvalidSettingsError, UnauthorizedError } from '../errors.js'
import { entryStrength, parseAuthEntry } from './auth-key.js'
import { Permission } from './permission.js'
import { authState, requireAuthDoc } from './settings-auth.js'

/** Structural equality of plain JSON values. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
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
 * result, `delta` = the change itself (the entry's settings data).
 *
 * With `delta`, every auth entry it writes counts as changed even when its
 * value stays the same where the signer stands: concurrent writes merge by
 * DAG order, so a weaker key's "unchanged" copy of a stronger key could
 * otherwise undo a concurrent revocation. And each auth entry must be
 * written whole (as SettingsStore does), never leaf by leaf: a partial write
 * merged over a concurrent change could splice, say, a new public key into
 * a key that was raised meanwhile.
 * @throws InvalidSettingsError (`INVALID_SETTINGS`) when `auth` is no longer an
 * object, a changed entry is malformed, or an auth entry is written in part;
 * UnauthorizedError (`UNAUTHORIZED`) when the signer is not Admin or a
 * changed entry is stronger than the signer.
 */
export function checkSettingsChange(signer: Permission, before: Doc | undefined, after: Doc, delta?: Doc): void {
  const afterAuth = requireAuthDoc(after)
  if (!Permission.canAdmin(signer)) throw new UnauthorizedError('changing settings needs an Admin key')
  if (before === undefined) {
    // A root entry: everything it grants is a change.
    for (const name of afterAuth?.keys() ?? []) checkEntry(signer, name, undefined, afterAuth?.get(name))
    return
  }
  const state = authState(before)
  const beforeAuth = state.kind === 'doc' ? state.auth : undefined
  if (beforeAuth !== undefined && afterAuth === undefined)
    throw new InvalidSettingsError('settings.auth must stay an object (the change drops it)')
  const names = new Set<string>([...(beforeAuth?.keys() ?? []), ...(afterAuth?.keys() ?? [])])
  const touched = delta === undefined ? new Set<string>() : touchedAuthNames(delta, names)
  for (const name of names) {
    const old = beforeAuth?.get(name)
    const now = afterAuth?.get(name)
    if (touched.has(name) || !jsonEqual(old, now)) checkEntry(signer, name, old, now)
  }
}

/**
 * Auth names a settings delta writes (`all` when it replaces `auth` or the
 * whole settings).
 * @throws InvalidSettingsError when an auth entry is written in part.
 */
function touchedAuthNames(delta: Doc, all: ReadonlySet<string>): Set<string> {
  if (delta._replace) return new Set(all)
  const node = delta._children.get('auth')
  if (node === undefined) return new Set()
  if (!(node instanceof Doc) || node._replace) return new Set(all)
  const out = new Set<string>()
  for (const [name, value] of node._children) {
    // Whole: a value set in one piece (replace flag) or a deletion (a tombstone, not a Doc or List).
    if ((value instanceof Doc || value instanceof List) && !value._replace)
      throw new InvalidSettingsError(`auth entry "${name}" must be written whole, not in part`)
    out.add(name)
  }
  return out
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
    // Names are path segments (`auth.<name>`): the same rule as SettingsStore's.
    if (name === '' || name.includes('.')) throw new InvalidSettingsError(`auth name "${name}" must be non-empty and contain no "."`)
    const strength = entryStrength(parseAuthEntry(name, now))
    if (Permission.compare(strength, signer) > 0)
      throw new UnauthorizedError(`the signer cannot grant "${name}" a permission stronger than its own`)
  }
}
