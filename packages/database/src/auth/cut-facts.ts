/**
 * @module
 * What the revocation cut reads from an entry: its signer's auth name and
 * the auth names its `_settings` change writes.
 */
import type { Entry, Id } from '@engram/backend-api'
import { Doc, type JsonValue } from '../crdt/index.js'
import type { AuthWrite, CutEntry } from './cut.js'

const SETTINGS = '_settings'

/** The cut's view of entry `id`. */
export function cutEntry(id: Id, entry: Entry): CutEntry {
  const key = entry.sig.key
  const signer = typeof key === 'string' ? key : key[0]?.key
  const node = entry.subtrees.find((s) => s.name === SETTINGS)
  return {
    id,
    parents: entry.tree.parents,
    signer: typeof signer === 'string' ? signer : undefined,
    sigPubkey: entry.sig.pubkey,
    settings: node !== undefined,
    auth: node?.data === undefined ? undefined : authWrite(node.data),
  }
}

/** The auth writes of a `_settings` delta (`undefined`: none, or data that does not decode, which every fold skips). */
export function authWrite(data: string): AuthWrite | undefined {
  let delta: Doc
  try {
    delta = Doc.decode(data)
  } catch {
    return undefined
  }
  const auth = delta.getDoc('auth')
  const replaceAll = delta._replace || (auth !== undefined && auth._replace) || (auth === undefined && delta.isTombstone('auth'))
  if (auth === undefined) {
    if (!replaceAll && !delta.has('auth')) return undefined
    return { replaceAll: true, values: new Map() }
  }
  const values = new Map<string, JsonValue | undefined>()
  for (const name of auth._children.keys()) values.set(name, auth.isTombstone(name) ? undefined : auth.get(name))
  if (!replaceAll && values.size === 0) return undefined
  return { replaceAll, values }
}

/** Whether a `_settings` delta writes some auth name (quick test for the cut's risk count). */
export function authNamesWritten(data: string): { names: string[]; replaceAll: boolean } | undefined {
  const w = authWrite(data)
  return w === undefined ? undefined : { names: [...w.values.keys()], replaceAll: w.replaceAll }
}
