/**
 * @module
 * Entries from elsewhere (DECISIONS 4, 14, 15): checked, stored
 * `unverified`, then validated parents-first against the settings their
 * parents saw. Valid ones become `verified`; invalid ones, and every
 * descendant of a failed entry, become `failed`; entries with a missing (or
 * still unverified) parent wait, and are validated when it arrives.
 */
import { entryTree, insertEntry, isRootEntry, type Entry, type Id, type VerificationStatus } from '@engram/backend-api'
import { parsePublicKey, type VerifyItem } from '@engram/crypto'
import { MAX_DELEGATION_DEPTH, Permission, checkSettingsChange, resolveSigKey, type ResolvedSigner } from '../auth/index.js'
import { Doc } from '../crdt/index.js'
import { checkIncomingEntry, signatureBytes } from '../entry/sign.js'
import { signingBytes } from '@engram/backend-api'
import { EngramError, UnauthorizedError } from '../errors.js'
import { SETTINGS_STORE, SettingsStore } from '../store/settings-store.js'
import { docCrdt } from '../store/doc-crdt.js'
import { INDEX_STORE, INDEX_TYPE, indexCrdt, isSystemStore, registeredType } from '../store/index-store.js'
import { delegationContext, sharedOf, type Engine, type EngineShared } from './engine.js'

/** An entry, or an entry with the id the sender claims for it. */
export type ReceiveInput = Entry | { id: Id; entry: Entry }

/** What became of the received entries (and of earlier ones they unblocked). Ids sorted. */
export interface ReceiveResult {
  /** Now verified (visible); 'remote' hooks fired for each. */
  verified: Id[]
  /** Stored unverified: a parent is missing or not verified yet. */
  pending: Id[]
  /** Refused by validation, or descended from a refused entry. */
  failed: Id[]
  /** Not stored: entries of another database than {@link ReceiveOptions.databaseId}. */
  refused: Id[]
  /** Main parents that pending entries of this batch name and this backend does not have (ask the sender for them). */
  missing: Id[]
}

/** Options of {@link Engine.receiveEntries}. */
export interface ReceiveOptions {
  /**
   * Store only entries of this database (sync receiving for one exchange):
   * the others are listed in `refused` and never stored.
   */
  databaseId?: Id
}

const isWrapped = (x: ReceiveInput): x is { id: Id; entry: Entry } =>
  typeof x === 'object' && x !== null && 'entry' in x && 'id' in x && !('tree' in x)

/** Runs {@link Engine.receiveEntries} (serialised by the engine). */
export async function receiveEntries(
  engine: Engine,
  inputs: readonly ReceiveInput[],
  options: ReceiveOptions = {},
): Promise<ReceiveResult> {
  if (!Array.isArray(inputs)) throw new TypeError('entries must be an array')
  const only = options.databaseId
  if (only !== undefined && typeof only !== 'string') throw new TypeError('options.databaseId must be a string')
  const backend = engine.backend
  const shared = sharedOf(engine)
  // 1. Everything is checked before anything is stored.
  const batch = new Map<Id, Entry>()
  const refused = new Set<Id>()
  for (const input of inputs) {
    const { id, entry } = isWrapped(input) ? checkIncomingEntry(input.entry, input.id) : checkIncomingEntry(input)
    if (only !== undefined && entryTree(id, entry) !== only) refused.add(id)
    else batch.set(id, entry)
  }
  const verified = new Set<Id>()
  const failed = new Set<Id>()
  // Unverified entries from earlier sessions get a look too.
  let queue: Id[] = await loadWaiting(engine, shared)
  // New entries are stored once, when settled: verified or failed as soon as
  // they are validated (one write each, not an unverified put and a status
  // change), and those still waiting at the end as unverified. Until then
  // they count as unverified entries this backend does not have yet.
  const fresh = new Map<Id, Entry>()
  for (const [id, entry] of batch) {
    if (await backend.has(id)) {
      const status = await backend.getStatus(id)
      if (status === 'failed') failed.add(id)
      else if (status === 'unverified') queue.push(id)
      continue
    }
    fresh.set(id, entry)
    queue.push(id)
  }
  const settle = async (id: Id, entry: Entry, status: 'verified' | 'failed'): Promise<void> => {
    if (!fresh.delete(id)) return backend.setStatus(id, status)
    if (await insertEntry(backend, id, entry, status)) return
    // Another handle on the same storage stored it meanwhile: settle it too if it still waits there.
    if ((await backend.getStatus(id)) === 'unverified') await backend.setStatus(id, status)
  }

  // 2. Waves: every entry whose parents are all settled is validated; then its waiting children.
  const entries = new Map<Id, Entry>(batch)
  // What this receive settled, known without asking the backend (statuses never change back).
  const known: Known = { verified, failed, entries, fresh }
  const getEntry = async (id: Id): Promise<Entry> => {
    let e = entries.get(id)
    if (e === undefined) entries.set(id, (e = await backend.get(id)))
    return e
  }
  while (queue.length > 0) {
    const ready: { id: Id; entry: Entry }[] = []
    const settled: Id[] = []
    for (const id of new Set(queue)) {
      if (verified.has(id) || failed.has(id) || (!fresh.has(id) && (await backend.getStatus(id)) !== 'unverified')) continue
      const entry = await getEntry(id)
      const state = await parentState(engine, id, entry, known)
      if (state.kind === 'failed') {
        await settle(id, entry, 'failed')
        failed.add(id)
        settled.push(id)
        unlink(shared, id, entry)
      } else if (state.kind === 'waiting') {
        const on = new Set(state.on)
        for (const p of on) {
          let set = shared.waiting.get(p)
          if (set === undefined) shared.waiting.set(p, (set = new Set()))
          set.add(id)
        }
        // Looked at again only once every one of these has settled (a merge whose P parents arrive one by one costs O(P), not O(P²)).
        shared.unsettled.set(id, on.size)
      } else ready.push({ id, entry })
    }
    // Validate the ready ones; signatures checked in one batch.
    const checks: { id: Id; entry: Entry; signer?: ResolvedSigner }[] = []
    for (const { id, entry } of ready) {
      try {
        checks.push({ id, entry, signer: await authorize(engine, id, entry) })
      } catch (err) {
        if (!(err instanceof EngramError)) throw err
        checks.push({ id, entry })
      }
    }
    const items: VerifyItem[] = []
    const itemOf = new Map<Id, number>()
    for (const c of checks) {
      if (c.signer === undefined) continue
      itemOf.set(c.id, items.length)
      items.push({ signature: signatureBytes(c.entry)!, message: signingBytes(c.entry), publicKey: parsePublicKey(c.signer.pubkey) })
    }
    const results = items.length > 0 ? await engine.ed25519.verifyBatch(items) : []
    for (const c of checks) {
      const i = itemOf.get(c.id)
      const ok = i !== undefined && results[i] === true
      // Root entries of one batch are verified one by one: no two depend on each other.
      if (ok) {
        await settle(c.id, c.entry, 'verified')
        shared.states.applyVerified(entryTree(c.id, c.entry), c.id, c.entry)
        verified.add(c.id)
        engine.hooks.emit({ entryId: c.id, databaseId: entryTree(c.id, c.entry), entry: c.entry, source: 'remote' })
      } else {
        await settle(c.id, c.entry, 'failed')
        failed.add(c.id)
      }
      settled.push(c.id)
      unlink(shared, c.id, c.entry)
    }
    // 3. Whatever waited on a settled entry gets another look: at once when it failed (so do its
    // children), else when it was the last unsettled one the child waited on.
    const next: Id[] = []
    for (const id of settled) {
      const children = shared.waiting.get(id)
      if (children === undefined) continue
      shared.waiting.delete(id)
      const parentFailed = failed.has(id)
      for (const child of children) {
        const left = (shared.unsettled.get(child) ?? 1) - 1
        if (parentFailed || left <= 0) {
          shared.unsettled.delete(child)
          next.push(child)
        } else shared.unsettled.set(child, left)
      }
    }
    queue = next
  }

  // New entries still waiting are stored now, as unverified, for a later batch to settle.
  for (const [id, entry] of fresh) await backend.put(id, entry, 'unverified')
  const pending: Id[] = []
  const missing = new Set<Id>()
  for (const [id, entry] of batch) {
    if (verified.has(id) || failed.has(id) || (!fresh.has(id) && (await backend.getStatus(id)) !== 'unverified')) continue
    pending.push(id)
    for (const p of entry.tree.parents) if (!missing.has(p) && !(await backend.has(p))) missing.add(p)
  }
  return {
    verified: [...verified].sort(),
    pending: pending.sort(),
    failed: [...failed].sort(),
    refused: [...refused].sort(),
    missing: [...missing].sort(),
  }
}

/** Drops a settled entry from the waiting lists of what else it waited on (a parent that may never come). */
function unlink(shared: EngineShared, id: Id, entry: Entry): void {
  shared.unsettled.delete(id)
  const on: Id[] = [...entry.tree.parents]
  if (typeof entry.sig.key !== 'string') for (const step of entry.sig.key) on.push(...(step.tips ?? []))
  for (const p of on) {
    const set = shared.waiting.get(p)
    if (set?.delete(id) === true && set.size === 0) shared.waiting.delete(p)
  }
}

type ParentState = { kind: 'ready' } | { kind: 'failed' } | { kind: 'waiting'; on: Id[] }

/** What one receive knows of entries without asking the backend. */
interface Known {
  verified: ReadonlySet<Id>
  failed: ReadonlySet<Id>
  /** Entries this receive holds (the batch's, and those it read). */
  entries: ReadonlyMap<Id, Entry>
  /** New entries of the batch not stored yet (unverified). */
  fresh: ReadonlyMap<Id, Entry>
}

/** The status of `id`, or `undefined` when this backend does not have it (a new entry not stored yet counts as unverified). */
async function statusOf(backend: Engine['backend'], id: Id, known: Known): Promise<VerificationStatus | undefined> {
  if (known.verified.has(id)) return 'verified'
  if (known.failed.has(id)) return 'failed'
  if (known.fresh.has(id)) return 'unverified'
  return (await backend.has(id)) ? backend.getStatus(id) : undefined
}

/**
 * Whether an entry can be validated now: its main parents are verified
 * members of its database, its store parents are exactly the store tips of
 * its history (what a commit writes; anything else would let reads depend
 * on the route they take, or pull in other histories), and the delegated
 * tips it names are here. Missing or unverified parents and delegated tips
 * → waiting; a failed parent or a wrong link → failed.
 */
async function parentState(engine: Engine, id: Id, entry: Entry, known: Known): Promise<ParentState> {
  const backend = engine.backend
  const waitingOn: Id[] = []
  if (isRootEntry(entry)) {
    // A root has no history: its stores start empty.
    if (entry.subtrees.some((node) => node.parents.length > 0)) return { kind: 'failed' }
  } else {
    const tree = entry.tree.root
    for (const p of entry.tree.parents) {
      const status = await statusOf(backend, p, known)
      if (status === 'failed') return { kind: 'failed' }
      if (status === undefined || status === 'unverified') {
        waitingOn.push(p)
        continue
      }
      // A verified parent of another database: this entry can never be valid.
      if (entryTree(p, known.entries.get(p) ?? (await backend.get(p))) !== tree) return { kind: 'failed' }
    }
    if (waitingOn.length > 0) return { kind: 'waiting', on: waitingOn }
    const states = sharedOf(engine).states
    for (const node of entry.subtrees) {
      if (node.parents.includes(id)) return { kind: 'failed' }
      const expected = await states.storeTipsAt(tree, node.name, entry.tree.parents)
      if (expected.length !== node.parents.length || expected.some((t, i) => t !== node.parents[i])) return { kind: 'failed' }
    }
  }
  // Delegated tips: a path naming tips this backend does not have (yet) waits
  // for them, so the outcome does not depend on which database synced first.
  const path = entry.sig.key
  if (typeof path !== 'string' && path.length <= MAX_DELEGATION_DEPTH) {
    for (let i = 0; i < path.length - 1; i++) {
      for (const tip of path[i]!.tips ?? []) {
        const status = await statusOf(backend, tip, known)
        if (status === undefined || status === 'unverified') waitingOn.push(tip)
      }
    }
    if (waitingOn.length > 0) return { kind: 'waiting', on: waitingOn }
  }
  return { kind: 'ready' }
}

/**
 * Resolves the signer of a received entry against the settings its parents
 * saw (a root entry: its own) and checks permission and priority. A
 * `settings_tips` claim in the metadata must be true.
 * @throws UnauthorizedError / InvalidSettingsError when it may not exist.
 */
async function authorize(engine: Engine, id: Id, entry: Entry): Promise<ResolvedSigner> {
  const states = sharedOf(engine).states
  const settingsNode = entry.subtrees.find((s) => s.name === SETTINGS_STORE)
  const delta = settingsNode?.data === undefined ? undefined : decodeSettings(settingsNode.data)
  if (isRootEntry(entry)) {
    checkSettingsTipsClaim(entry, [])
    const own = delta ?? new Doc()
    const signer = await resolveSigKey(own, entry.sig, delegationContext(engine))
    checkSettingsChange(signer.permission, undefined, own)
    await checkIndexChange(engine, entry, undefined)
    return signer
  }
  const tree = entry.tree.root
  const settingsTips = await states.storeTipsAt(tree, SETTINGS_STORE, entry.tree.parents)
  checkSettingsTipsClaim(entry, settingsTips)
  // The settings the parents saw, with the cut of their history (DECISIONS 18).
  const cut = await states.cutAt(tree, entry.tree.parents)
  const acquired = await states.acquire(tree, SETTINGS_STORE, SettingsStore.typeId, docCrdt, settingsTips, 'borrow', cut)
  try {
    const settings = acquired.state
    const signer = await resolveSigKey(settings, entry.sig, delegationContext(engine))
    // Any settings node (even one without data, which still moves the settings tips) is a settings change.
    if (settingsNode !== undefined) checkSettingsChange(signer.permission, settings, settings.merge(delta ?? new Doc()), delta)
    else if (!Permission.canWrite(signer.permission))
      throw new UnauthorizedError(`entry ${id.slice(0, 80)}: a ${Permission.toString(signer.permission)} key cannot write`)
    await checkIndexChange(engine, entry, entry.tree.parents)
    return signer
  } finally {
    acquired.release()
  }
}


/**
 * An `_index` change may only register names that are free, or re-register
 * them with the type they already have, as commits do: re-typing or
 * deleting a registration would make every reader's `getStore` of that name
 * fail with `TYPE_MISMATCH`, with no way back through the API.
 * (Data that does not decode is skipped by every reader alike.)
 */
async function checkIndexChange(engine: Engine, entry: Entry, parents: readonly Id[] | undefined): Promise<void> {
  const node = entry.subtrees.find((s) => s.name === INDEX_STORE)
  if (node?.data === undefined) return
  let delta: Doc
  try {
    delta = Doc.decode(node.data)
  } catch {
    return
  }
  let index: Doc | undefined
  if (parents !== undefined) {
    const states = sharedOf(engine).states
    const tips = await states.storeTipsAt(entry.tree.root, INDEX_STORE, parents)
    const cut = await states.cutAt(entry.tree.root, parents)
    index = (await states.acquire(entry.tree.root, INDEX_STORE, INDEX_TYPE, indexCrdt, tips, 'peek', cut)).state
  }
  for (const name of delta._children.keys()) {
    const type = registeredType(delta, name)
    if (isSystemStore(name) || type === undefined) throw new UnauthorizedError(`_index entry "${name}" is not a store registration`)
    const was = index === undefined ? undefined : registeredType(index, name)
    if (was !== undefined && was !== type) throw new UnauthorizedError(`store "${name}" is registered as ${was}, not ${type}`)
  }
}

/** A `settings_tips` list in the metadata (as commits write it) must name the settings tips of the entry's parents. */
function checkSettingsTipsClaim(entry: Entry, settingsTips: readonly Id[]): void {
  const metadata = entry.tree.metadata
  if (metadata === null || !metadata.includes('settings_tips')) return
  let claim: unknown
  try {
    claim = (JSON.parse(metadata) as { settings_tips?: unknown } | null)?.settings_tips
  } catch {
    return // not JSON: no claim
  }
  if (claim === undefined) return
  const ok =
    Array.isArray(claim) &&
    claim.length === settingsTips.length &&
    [...claim].sort().every((t, i) => t === settingsTips[i])
  if (!ok) throw new UnauthorizedError('metadata settings_tips are not the settings tips of the entry\'s parents')
}

function decodeSettings(data: string): Doc {
  try {
    return Doc.decode(data)
  } catch {
    throw new UnauthorizedError('settings data does not decode')
  }
}

/** Unverified entries stored by earlier sessions, the first time this backend receives (then `[]`). */
async function loadWaiting(engine: Engine, shared: EngineShared): Promise<Id[]> {
  if (shared.waitingLoaded) return []
  shared.waitingLoaded = true
  return engine.backend.idsByStatus('unverified')
}
