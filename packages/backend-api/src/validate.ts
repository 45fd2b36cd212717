/**
 * @module
 * Checks on entries that come from outside (peers, snapshot files, plugin
 * callers): {@link validateEntryShape} for structure, {@link validateEntryRules}
 * for the data-layer §1.6 rules, and {@link checkPut} that backends run in `put`.
 */
import { isId } from '@engram/crypto'
import { entryId } from './encode.js'
import { isSealedAs } from './sealed-ids.js'
import type { Entry, Id, SubTreeNode, VerificationStatus } from './entry.js'
import { InvalidEntryError } from './errors.js'

/** The store name that marks a root entry. */
export const ROOT_STORE = '_root'

/**
 * Size limits on one entry (DECISIONS 20), checked by
 * {@link validateEntryShape} (and so by `checkPut`, sealing and receiving)
 * before anything else looks at the entry, so a hostile entry costs every
 * replica work bounded by a small multiple of its size.
 */
export const ENTRY_LIMITS = Object.freeze({
  /** Most ids in one parent list: `tree.parents`, a store's parents, a delegation step's tips. */
  maxParents: 1024,
  /** Most stores (subtrees) one entry touches. */
  maxStores: 1024,
  /** Longest store name, in UTF-16 code units. Names hold no control characters either. */
  maxNameLength: 255,
  /** Most UTF-16 code units of data and metadata in one entry, all stores together (8 Mi). */
  maxDataLength: 8 * 1024 * 1024,
  /** Most steps in a delegation path; the auth rules (DECISIONS 7) then refuse more than 10 (a failed entry, not a malformed one). */
  maxDelegationSteps: 64,
})

/** Whether `name` holds a control character (C0, DEL or C1). */
export function hasControlCharacter(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true
  }
  return false
}

const STATUSES: readonly VerificationStatus[] = ['verified', 'unverified', 'failed']

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const ENTRY_KEYS = ['tree', 'subtrees', 'sig']
const TREE_KEYS = ['root', 'parents', 'metadata']
const NODE_KEYS = ['name', 'parents', 'data']
const SIG_KEYS = ['sig', 'key', 'pubkey']

/** `where`, or `where[index]suffix` for an item of a list: built only for an error message. */
const place = (where: string, index: number, suffix = ''): string => (index < 0 ? where : `${where}[${index}]${suffix}`)

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string, index = -1): void {
  // for…in (own enumerable string keys here; inherited ones are skipped) walks without allocating a key array.
  for (const k in obj)
    if (Object.hasOwn(obj, k) && !allowed.includes(k)) throw new InvalidEntryError(`${place(where, index)}: unexpected field "${k}"`)
}

// Strings recently found to be well-formed ids: consecutive entries repeat
// them (the database id, each id as the next entry's parent, often twice
// in it), and a string that was a valid id stays one.
const RECENT_IDS = 8
const recentIds: (string | undefined)[] = new Array<string | undefined>(RECENT_IDS).fill(undefined)
let recentNext = 0

/**
 * @internal Records `id` among the recent well-formed ids without testing
 * it: only for an id this package just computed (`hashText` gives
 * `sha256:` + 64 lowercase hex by construction), which the next entry names
 * as its parent. Not exported from the package.
 */
export function noteKnownId(id: Id): void {
  recentIds[recentNext] = id
  recentNext = (recentNext + 1) % RECENT_IDS
}

/** {@link isId}, answered from the recent ones when possible. */
function isKnownId(value: unknown): value is Id {
  if (typeof value !== 'string') return false
  for (let i = 0; i < RECENT_IDS; i++) if (recentIds[i] === value) return true
  if (!isId(value)) return false
  recentIds[recentNext] = value
  recentNext = (recentNext + 1) % RECENT_IDS
  return true
}

/** Checks a parent list in place: well-formed ids, sorted, no duplicates (data-layer §1.1). */
function checkIdList(value: unknown, list: string, index = -1, suffix = ''): Id[] {
  if (!Array.isArray(value)) throw new InvalidEntryError(`${place(list, index, suffix)} must be an array of ids`)
  if (value.length > ENTRY_LIMITS.maxParents)
    throw new InvalidEntryError(`${place(list, index, suffix)} has more than ${ENTRY_LIMITS.maxParents} ids`)
  let prev: string | undefined
  for (let i = 0; i < value.length; i++) {
    const id: unknown = value[i]
    if (!isKnownId(id)) throw new InvalidEntryError(`${place(list, index, suffix)}[${i}] is not a well-formed id`)
    // Sorted and de-duplicated: the id depends on the exact list.
    if (prev !== undefined && !(prev < id)) throw new InvalidEntryError(`${place(list, index, suffix)} must be sorted and free of duplicates`)
    prev = id
  }
  return value as Id[]
}

function checkSigKey(value: unknown): void {
  if (typeof value === 'string') return
  if (!Array.isArray(value) || value.length === 0)
    throw new InvalidEntryError('sig.key must be a string or a non-empty array of delegation steps')
  if (value.length > ENTRY_LIMITS.maxDelegationSteps)
    throw new InvalidEntryError(`sig.key has more than ${ENTRY_LIMITS.maxDelegationSteps} delegation steps`)
  for (let i = 0; i < value.length; i++) {
    const step: unknown = value[i]
    const where = `sig.key[${i}]`
    if (!isPlainObject(step)) throw new InvalidEntryError(`${where} must be an object`)
    onlyKeys(step, ['key', 'tips'], where)
    if (typeof step.key !== 'string') throw new InvalidEntryError(`${where}.key must be a string`)
    if (!('tips' in step)) throw new InvalidEntryError(`${where}.tips is missing`)
    if (step.tips !== null) checkIdList(step.tips, 'sig.key', i, '.tips')
  }
}

/**
 * The checks of {@link validateEntryShape}, on `entry` itself (no copy):
 * afterwards `entry` has exactly the Entry structure, with `data` and
 * `pubkey` possibly null.
 * @throws InvalidEntryError (`INVALID_ENTRY`) naming the first problem.
 */
export function checkEntryShape(entry: unknown): asserts entry is Entry {
  if (!isPlainObject(entry)) throw new InvalidEntryError('entry must be an object')
  onlyKeys(entry, ENTRY_KEYS, 'entry')
  const { tree, subtrees, sig } = entry
  if (!isPlainObject(tree)) throw new InvalidEntryError('entry.tree must be an object')
  onlyKeys(tree, TREE_KEYS, 'tree')
  if (typeof tree.root !== 'string' || (tree.root !== '' && !isKnownId(tree.root)))
    throw new InvalidEntryError('tree.root must be "" or a well-formed id')
  checkIdList(tree.parents, 'tree.parents')
  if (tree.metadata !== null && typeof tree.metadata !== 'string')
    throw new InvalidEntryError('tree.metadata must be a string or null')

  if (!Array.isArray(subtrees)) throw new InvalidEntryError('entry.subtrees must be an array')
  if (subtrees.length > ENTRY_LIMITS.maxStores) throw new InvalidEntryError(`entry has more than ${ENTRY_LIMITS.maxStores} stores`)
  let size = typeof tree.metadata === 'string' ? tree.metadata.length : 0
  let prevName: string | undefined
  for (let i = 0; i < subtrees.length; i++) {
    const node: unknown = subtrees[i]
    if (!isPlainObject(node)) throw new InvalidEntryError(`${place('subtrees', i)} must be an object`)
    onlyKeys(node, NODE_KEYS, 'subtrees', i)
    if (typeof node.name !== 'string') throw new InvalidEntryError(`${place('subtrees', i)}.name must be a string`)
    if (node.name.length > ENTRY_LIMITS.maxNameLength || hasControlCharacter(node.name))
      throw new InvalidEntryError(`${place('subtrees', i)}.name is longer than ${ENTRY_LIMITS.maxNameLength} or holds a control character`)
    if (typeof node.data === 'string') size += node.data.length
    if (prevName !== undefined && !(prevName < node.name)) throw new InvalidEntryError('subtrees must be sorted by name and unique')
    prevName = node.name
    checkIdList(node.parents, 'subtrees', i, '.parents')
    if (node.data !== undefined && node.data !== null && typeof node.data !== 'string')
      throw new InvalidEntryError(`${place('subtrees', i)}.data must be a string`)
  }
  if (size > ENTRY_LIMITS.maxDataLength) throw new InvalidEntryError(`entry data and metadata exceed ${ENTRY_LIMITS.maxDataLength} characters`)

  if (!isPlainObject(sig)) throw new InvalidEntryError('entry.sig must be an object')
  onlyKeys(sig, SIG_KEYS, 'sig')
  if (sig.sig !== null && typeof sig.sig !== 'string') throw new InvalidEntryError('sig.sig must be a string or null')
  checkSigKey(sig.key)
  if (sig.pubkey !== undefined && sig.pubkey !== null && typeof sig.pubkey !== 'string')
    throw new InvalidEntryError('sig.pubkey must be a string')
}

/** Node copies (null `data` left out) in a packed array at its final size, like the engine's own entries. */
function normalisedSubtrees(subtrees: readonly SubTreeNode[]): SubTreeNode[] {
  const out: SubTreeNode[] = []
  for (let i = 0; i < subtrees.length; i++) {
    const node = subtrees[i]!
    const parents = [...node.parents]
    out.push(node.data !== undefined && node.data !== null ? { name: node.name, parents, data: node.data } : { name: node.name, parents })
  }
  return out.slice()
}

/**
 * Checks the structure of untrusted input and returns a fresh, normalised
 * Entry (a `data` or `pubkey` of null becomes absent). Checks every field's
 * type, that ids are well-formed, that parent lists are sorted and
 * de-duplicated, that subtrees are sorted by name and unique, the
 * signature's shape, and the size limits of {@link ENTRY_LIMITS}. It does
 * not check signatures or §1.6 rules.
 * @throws InvalidEntryError (`INVALID_ENTRY`) naming the first problem.
 */
export function validateEntryShape(entry: unknown): Entry {
  checkEntryShape(entry)
  const { tree, subtrees, sig } = entry
  const key = sig.key
  const sigInfo: Entry['sig'] = {
    sig: sig.sig,
    key: typeof key === 'string' ? key : key.map((step) => ({ key: step.key, tips: step.tips === null ? null : [...step.tips] })),
  }
  if (sig.pubkey !== undefined && sig.pubkey !== null) sigInfo.pubkey = sig.pubkey
  return {
    tree: { root: tree.root, parents: [...tree.parents], metadata: tree.metadata },
    subtrees: normalisedSubtrees(subtrees),
    sig: sigInfo,
  }
}

function hasRootStore(subtrees: readonly SubTreeNode[]): boolean {
  for (let i = 0; i < subtrees.length; i++) if (subtrees[i]!.name === ROOT_STORE) return true
  return false
}

/** Whether `entry` is a database root: it has a `_root` subtree and no main parents (data-layer §1.4). */
export function isRootEntry(entry: Entry): boolean {
  return entry.tree.parents.length === 0 && hasRootStore(entry.subtrees)
}

/**
 * The database (tree) an entry belongs to: its own id for a root entry,
 * otherwise `entry.tree.root`.
 */
export function entryTree(id: Id, entry: Entry): Id {
  return isRootEntry(entry) ? id : entry.tree.root
}

/**
 * The data-layer §1.6 rules on a well-shaped entry:
 * 1. an entry with a `_root` subtree must have no main parents;
 * 2. a root entry has `tree.root` `""` (so it belongs to exactly one database, its own);
 * 3. every other entry names its database in `tree.root` (a well-formed id)
 *    and has at least one main parent.
 * Ids inside parent lists are checked by {@link validateEntryShape}.
 * @throws InvalidEntryError (`INVALID_ENTRY`).
 */
export function validateEntryRules(entry: Entry): void {
  const hasRootNode = hasRootStore(entry.subtrees)
  if (hasRootNode) {
    if (entry.tree.parents.length > 0) throw new InvalidEntryError('an entry with a _root subtree must have no parents')
    if (entry.tree.root !== '') throw new InvalidEntryError('a root entry must have tree.root ""')
    return
  }
  if (!isKnownId(entry.tree.root)) throw new InvalidEntryError('a non-root entry must name its database in tree.root')
  if (entry.tree.parents.length === 0) throw new InvalidEntryError('a non-root entry must have at least one main parent')
}

/** Shape and rules together: returns the normalised entry. @throws InvalidEntryError. */
export function validateEntry(entry: unknown): Entry {
  const checked = validateEntryShape(entry)
  validateEntryRules(checked)
  return checked
}

/** Whether `value` is a verification status. */
export const isVerificationStatus = (value: unknown): value is VerificationStatus =>
  STATUSES.includes(value as VerificationStatus)

/** Returns `status` when it is a verification status. @throws RangeError otherwise. */
export function assertStatus(status: unknown, name = 'status'): VerificationStatus {
  if (!isVerificationStatus(status)) throw new RangeError(`${name} must be "verified", "unverified" or "failed"`)
  return status
}

/** Returns `value` when it is a string. @throws TypeError otherwise. */
export function assertString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  return value
}

/** Returns `value` when it is an array of strings (copied). @throws TypeError otherwise. */
export function assertIdList(value: unknown, name: string): Id[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new TypeError(`${name} must be an array of id strings`)
  return [...(value as string[])]
}

/** Returns `value` when it is a Uint8Array. @throws TypeError otherwise. */
export function assertBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
  return value
}

/**
 * What every backend's `put` runs first: `status` is a status (RangeError),
 * the entry passes {@link validateEntry}, and `id` is its content id.
 * Returns the normalised copy to store, so later changes to the caller's
 * object cannot reach storage.
 * @throws InvalidEntryError (`INVALID_ENTRY`) for a malformed entry or an id mismatch.
 */
export function checkPut(id: unknown, entry: unknown, status: unknown): Entry {
  assertStatus(status)
  if (typeof id !== 'string') throw new TypeError('id must be a string')
  // A sealed entry was validated and hashed when it was sealed and cannot have changed since.
  if (isSealedAs(entry, id)) return entry as Entry
  const checked = validateEntry(entry)
  if (entryId(checked) !== id) throw new InvalidEntryError(`entry does not hash to ${id.slice(0, 80)}`)
  return checked
}
