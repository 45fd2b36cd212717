/**
 * @module
 * Resolving an entry's `sig.key` to a public key and a permission
 * (system-layer §4.3–4.4), against the auth of the settings the entry's
 * parents saw. Direct names, the `*` wildcard (the signer's key travels in
 * `sig.pubkey`) and delegation paths of at most {@link MAX_DELEGATION_DEPTH}
 * steps, each step clamping the permission by its bounds.
 */
import type { Id, SigInfo } from '@engram/backend-api'
import { isPublicKey } from '@engram/crypto'
import type { Doc } from '../crdt/index.js'
import { InvalidSettingsError, UnauthorizedError } from '../errors.js'
import { parseAuthEntry, WILDCARD, type AuthEntry } from './auth-key.js'
import { Permission, type PermissionBounds } from './permission.js'
import { authState } from './settings-auth.js'

/** Delegation paths longer than this are rejected (DECISIONS 7). */
export const MAX_DELEGATION_DEPTH = 10

/** Who signed, as far as auth is concerned. */
export interface ResolvedSigner {
  /** `ed25519:<base64>` of the key that must have made the signature. */
  pubkey: string
  /** The effective permission (clamped along a delegation path). */
  permission: Permission
}

/** What resolution needs from the engine for delegation steps. */
export interface DelegationContext {
  /**
   * The settings of database `root` at `tips`. Every id of `floor` (the tips
   * the delegation itself names) must be one of `tips` or an ancestor of
   * one: a signer may not name older tips, so a key revoked there stops
   * counting once the delegation names tips that know the revocation.
   * @throws UnauthorizedError when a tip is unknown, unverified or not in
   * `root`, or the floor is not in the history of `tips`.
   */
  settingsAt(root: Id, tips: readonly Id[], floor: readonly Id[]): Promise<Doc>
}

function lookup(settings: Doc, name: string): AuthEntry {
  const state = authState(settings)
  if (state.kind === 'invalid') throw new UnauthorizedError('the database auth settings are corrupt')
  if (state.kind === 'none') throw new UnauthorizedError(`no auth settings: key "${name}" cannot sign`)
  const value = state.auth.get(name)
  if (value === undefined) throw new UnauthorizedError(`unknown auth key "${name}"`)
  try {
    return parseAuthEntry(name, value)
  } catch (err) {
    if (err instanceof InvalidSettingsError) throw new UnauthorizedError(`auth key "${name}" is malformed`)
    throw err
  }
}

/**
 * Resolves a direct key name (or `*`) in `settings`.
 * @throws UnauthorizedError (`UNAUTHORIZED`): unknown, revoked or malformed key, a delegation where a key was expected, a `*` signature without a valid `sig.pubkey`.
 */
export function resolveDirect(settings: Doc, name: string, sigPubkey: string | undefined): ResolvedSigner {
  const entry = lookup(settings, name)
  if (entry.kind !== 'key') throw new UnauthorizedError(`auth entry "${name}" is a delegation, not a key`)
  const key = entry.key
  if (key.status !== 'active') throw new UnauthorizedError(`auth key "${name}" is revoked`)
  if (name === WILDCARD) {
    if (sigPubkey === undefined || !isPublicKey(sigPubkey))
      throw new UnauthorizedError('a "*" signature must carry the signer\'s public key in sig.pubkey')
    return { pubkey: sigPubkey, permission: key.permission }
  }
  if (sigPubkey !== undefined && sigPubkey !== key.pubkey)
    throw new UnauthorizedError(`sig.pubkey does not match auth key "${name}"`)
  return { pubkey: key.pubkey, permission: key.permission }
}

function mergeBounds(a: PermissionBounds | undefined, b: PermissionBounds): PermissionBounds {
  if (a === undefined) return b
  const max = Permission.min(a.max, b.max)
  const min = a.min === undefined ? b.min : b.min === undefined ? a.min : Permission.max(a.min, b.min)
  return min === undefined ? { max } : { max, min }
}

/**
 * Resolves `sig` (a direct name or a delegation path) against `settings`.
 * @throws UnauthorizedError (`UNAUTHORIZED`) when it does not resolve to an active key.
 */
export async function resolveSigKey(settings: Doc, sig: SigInfo, ctx: DelegationContext): Promise<ResolvedSigner> {
  const key = sig.key
  if (typeof key === 'string') return resolveDirect(settings, key, sig.pubkey)
  if (key.length === 0) throw new UnauthorizedError('empty delegation path')
  if (key.length > MAX_DELEGATION_DEPTH)
    throw new UnauthorizedError(`delegation path longer than ${MAX_DELEGATION_DEPTH} steps`)
  let current = settings
  let bounds: PermissionBounds | undefined
  for (let i = 0; i < key.length - 1; i++) {
    const step = key[i]!
    if (step.tips === null || step.tips.length === 0)
      throw new UnauthorizedError(`delegation step ${i} must name tips of the delegated database`)
    const entry = lookup(current, step.key)
    if (entry.kind !== 'delegation') throw new UnauthorizedError(`auth entry "${step.key}" is not a delegation`)
    current = await ctx.settingsAt(entry.ref.delegate.root, step.tips, entry.ref.delegate.tips)
    bounds = mergeBounds(bounds, entry.ref.bounds)
  }
  const last = key[key.length - 1]!
  if (last.tips !== null) throw new UnauthorizedError('the last delegation step must have tips null')
  const direct = resolveDirect(current, last.key, sig.pubkey)
  return bounds === undefined ? direct : { pubkey: direct.pubkey, permission: Permission.clamp(direct.permission, bounds) }
}
