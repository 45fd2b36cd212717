/**
 * @module
 * `Transaction`: stages changes to any number of stores and commits them as
 * one signed entry (data-layer §3, DECISIONS 6).
 */
import { insertEntry, prepareSeal, type DelegationStep, type Entry, type Id, type SigInfo, type SubTreeNode } from '@engram/backend-api'
import {
  Permission,
  checkSettingsChange,
  resolveDirect,
  resolveSigKey,
  WILDCARD,
  type ResolvedSigner,
} from '../auth/index.js'
import type { Doc } from '../crdt/index.js'
import type { Cut } from '../auth/cut.js'
import { signText } from '../entry/sign.js'
import { ReadOnlyError, TxnClosedError, TypeMismatchError, UnauthorizedError } from '../errors.js'
import { sameTips, type Acquired, type StagedDelta, type StateManager } from '../state/index.js'
import { docCrdt } from '../store/doc-crdt.js'
import { INDEX_STORE, INDEX_TYPE, indexCrdt, isSystemStore, registeredType, stageRegistration } from '../store/index-store.js'
import { checkStoreClass, registerStoreType } from '../store/registry.js'
import { SETTINGS_STORE, SettingsStore } from '../store/settings-store.js'
import type { StoreClass, StoreContext, StoreCrdt } from '../store/types.js'
import { delegationContext, sharedOf, type Engine, type EngineShared } from './engine.js'
import { released } from './inflight.js'
import { checkStoreName } from '../store/names.js'

/** The key a Database signs with: a prepared Ed25519 key and the auth name (or delegation path) it signs under. */
export interface Signer {
  key: import('@engram/crypto').SigningKey
  /** A key name in `_settings.auth`, `'*'` (then `sig.pubkey` carries the key), or a delegation path. */
  sigKey: string | DelegationStep[]
}

/** One store node of the entry being committed, with its staged delta (`state` undefined: only registered by this entry). */
interface StagedStore extends StagedDelta {
  readonly crdt: StoreCrdt<unknown>
  readonly data: string | undefined
}

const NO_SLOTS: readonly Slot[] = []

/** Type id under which `_index` states are kept. */

interface Slot {
  readonly name: string
  readonly Class: StoreClass<unknown>
  readonly typeId: string
  readonly crdt: StoreCrdt<unknown>
  handle: unknown
  staged: unknown
  changed: boolean
  base: Promise<Acquired<unknown>> | undefined
  acquired: Acquired<unknown> | undefined
}

/** What a Transaction needs from its Database. */
export interface TxnOwner {
  readonly id: Id
  readonly engine: Engine
  /** The engine's shared states (looked up once per handle, not per use). */
  readonly states: StateManager
  /** The engine's per-backend shared state (commits in flight, the last metadata text). */
  readonly shared: EngineShared
  /** The signer and its `ed25519:` public key, or undefined for a read-only handle. */
  signer(): { signer: Signer; publicKey: string } | undefined
}

/**
 * A set of staged changes on top of fixed parent tips. Get stores with
 * {@link getStore} / {@link getSettingsStore}, change them, then
 * {@link commit} once. Reads see the transaction's own staged changes.
 */
export class Transaction {
  readonly #owner: TxnOwner
  readonly #parents: Id[]
  /** Opened stores, in opening order (a transaction opens a few: a list is cheaper than a Map). */
  #slots: Slot[] | undefined
  #index: Doc | undefined
  #state: 'open' | 'committing' | 'closed' = 'open'

  /**
   * @internal Use `db.newTransaction()` / `db.newTransactionAt(tips)`.
   * `sorted`: `parents` is an engine tip list (sorted, unique, never mutated) that may be kept as is.
   */
  constructor(owner: TxnOwner, parents: readonly Id[], sorted = false) {
    this.#owner = owner
    this.#parents = sorted ? (parents as Id[]) : [...parents].sort()
  }

  /** The main parents this transaction's entry will have. */
  get parents(): Id[] {
    return [...this.#parents]
  }

  /** Whether the transaction was committed. */
  get committed(): boolean {
    return this.#state === 'closed'
  }

  get #states(): StateManager {
    return this.#owner.states
  }

  #slot(name: string): Slot | undefined {
    const slots = this.#slots
    if (slots !== undefined) for (let i = 0; i < slots.length; i++) if (slots[i]!.name === name) return slots[i]
    return undefined
  }

  #checkOpen(): void {
    if (this.#state !== 'open') throw new TxnClosedError()
  }

  /**
   * A handle on store `name` of type `Store` (e.g. `DocStore`, `Table<T>`).
   * The first use of a name registers it in `_index`.
   * @throws TypeMismatchError (`TYPE_MISMATCH`) when the name is registered
   * with another type; TxnClosedError after commit; RangeError for a reserved name;
   * InvalidStoreNameError (`INVALID_STORE_NAME`) for a control character or more than 255 characters.
   */
  async getStore<S>(name: string, Store: StoreClass<S>): Promise<S> {
    if (typeof name !== 'string' || name === '') throw new TypeError('store name must be a non-empty string')
    if (isSystemStore(name)) throw new RangeError(`"${name}" is a reserved store name`)
    checkStoreName(name)
    const S = checkStoreClass(Store) as StoreClass<S>
    this.#checkOpen()
    const existing = this.#slot(name)
    if (existing !== undefined) {
      if (existing.typeId !== S.typeId) throw new TypeMismatchError(name, S.typeId, existing.typeId)
      return existing.handle as S
    }
    // Known without I/O on the usual path (current tips): no await then.
    const known = registeredTypeNow(this.#owner.states, this.#owner.id, this.#parents, name)
    const registered =
      known === undefined ? await registeredTypeAt(this.#owner.engine, this.#owner.id, this.#parents, name) : known === '' ? undefined : known
    if (registered !== undefined && registered !== S.typeId) throw new TypeMismatchError(name, S.typeId, registered)
    const again = this.#slot(name)
    if (again !== undefined) {
      if (again.typeId !== S.typeId) throw new TypeMismatchError(name, S.typeId, again.typeId)
      return again.handle as S
    }
    registerStoreType(S)
    if (registered === undefined) stageRegistration((this.#index ??= docCrdt.empty()), name, S.typeId)
    return this.#open(name, S) as S
  }

  /** The settings store (name, auth keys, other settings). @throws TxnClosedError after commit. */
  async getSettingsStore(): Promise<SettingsStore> {
    this.#checkOpen()
    const existing = this.#slot(SETTINGS_STORE)
    if (existing !== undefined) return existing.handle as SettingsStore
    return this.#open(SETTINGS_STORE, SettingsStore as StoreClass<SettingsStore>)
  }

  #open<S>(name: string, S: StoreClass<S>): S {
    const crdt = S.crdt as StoreCrdt<unknown>
    const slot: Slot = { name, Class: S, typeId: S.typeId, crdt, handle: undefined, staged: undefined, changed: false, base: undefined, acquired: undefined }
    const context: StoreContext<unknown> = {
      name,
      crdt,
      base: async () => {
        const acquired = await (slot.base ??= this.#acquireBase(slot))
        if (slot.base !== undefined) slot.acquired = acquired
        return acquired.state
      },
      staged: () => slot.staged,
      stage: () => {
        this.#checkOpen()
        slot.changed = true
        return (slot.staged ??= crdt.empty())
      },
    }
    slot.handle = new S(context)
    if (this.#slots === undefined) this.#slots = [slot]
    else this.#slots.push(slot)
    return slot.handle as S
  }

  async #acquireBase(slot: Omit<Slot, 'handle'>): Promise<Acquired<unknown>> {
    const tree = this.#owner.id
    const tips = await this.#states.storeTipsAt(tree, slot.name, this.#parents)
    const cut = this.#states.cutNow(tree, this.#parents) ?? (await this.#states.cutAt(tree, this.#parents))
    // After commit the borrow is over: read a snapshot at the old tips.
    return this.#states.acquire(tree, slot.name, slot.typeId, slot.crdt, tips, this.#state === 'open' ? 'borrow' : 'view', cut)
  }

  /** Ends the borrows of committed states (a borrow still being acquired just expires). */
  #releaseBases(): void {
    const slots = this.#slots ?? NO_SLOTS
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!
      slot.acquired?.release()
      slot.acquired = undefined
      slot.base = undefined
    }
  }

  /**
   * Builds, signs, validates and stores one entry with everything staged
   * (an empty transaction still commits an entry), then runs the write
   * hooks. Returns the new entry's id.
   * @throws TxnClosedError (`TXN_CLOSED`) when called again; ReadOnlyError
   * (`READ_ONLY`) without a signer; UnauthorizedError (`UNAUTHORIZED`) when the
   * signer may not make this change; InvalidSettingsError (`INVALID_SETTINGS`)
   * when `auth` would stop being an object. Nothing is stored on failure, and
   * the transaction stays open.
   */
  commit(): Promise<Id> {
    try {
      this.#checkOpen()
    } catch (err) {
      return Promise.reject(err)
    }
    const who = this.#owner.signer()
    if (who === undefined) return Promise.reject(new ReadOnlyError('this database was opened without a signer'))
    this.#state = 'committing'
    // One async layer: #commit reopens the transaction itself when it fails.
    return this.#commit(who.signer, who.publicKey)
  }

  /** Stores with data, then stores registered in `_index` by this entry (no data), sorted by name. */
  #stagedStores(): StagedStore[] {
    const staged: StagedStore[] = []
    const slots = this.#slots ?? NO_SLOTS
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!
      if (!slot.changed || slot.staged === undefined || slot.crdt.isEmpty?.(slot.staged) === true) continue
      staged.push({ name: slot.name, typeId: slot.typeId, crdt: slot.crdt, state: slot.staged, data: slot.crdt.encode(slot.staged) })
    }
    if (this.#index !== undefined && !this.#index.isEmpty()) {
      staged.push({ name: INDEX_STORE, typeId: INDEX_TYPE, crdt: indexCrdt, state: this.#index, data: this.#index.encode() })
      for (const name of this.#index.keys())
        if (!staged.some((s) => s.name === name)) staged.push({ name, typeId: '', crdt: docCrdt, state: undefined, data: undefined })
    }
    if (staged.length > 1) staged.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return staged
  }

  async #commit(signer: Signer, publicKey: string): Promise<Id> {
    try {
      const tree = this.#owner.id
      const engine = this.#owner.engine
      const states = this.#states
      const parents = this.#parents

      const staged = this.#stagedStores()
      // Built directly (not with EntryBuilder): parents and store tips are
      // already sorted and unique, and names are sorted. Nodes are made in
      // one literal each, the array at its final size and always of one
      // kind (packed): entries are kept for good, and every reader of them
      // then sees one layout.
      const nodeParents = new Array<Id[]>(staged.length)
      for (let i = 0; i < staged.length; i++) {
        const name = staged[i]!.name
        nodeParents[i] = states.storeTipsNow(tree, name, parents) ?? (await states.storeTipsAt(tree, name, parents))
      }
      const subtrees = staged.length === 1 ? [subtreeNode(staged[0]!, nodeParents[0]!)] : subtreeNodes(staged, nodeParents)

      // Validate against the settings at the parents (DECISIONS 6): key lookup
      // and permission, no signature check (we are about to make it).
      const settingsTips = states.storeTipsNow(tree, SETTINGS_STORE, parents) ?? (await states.storeTipsAt(tree, SETTINGS_STORE, parents))
      const sig = sigInfo(signer, publicKey)
      let settingsDelta: Doc | undefined
      for (let i = 0; i < staged.length; i++) if (staged[i]!.name === SETTINGS_STORE) settingsDelta = staged[i]!.state as Doc
      // A signer resolved at these settings tips is memoised (tips name a state for good); a settings change is always checked in full.
      // Under a non-empty cut the memo name carries the cut's key (unknown without I/O: no memo).
      // The cut at the parents, when known without I/O (else no memo: it is looked up below).
      let cut = states.cutNow(tree, parents)
      const memoName = typeof sig.key !== 'string' || cut === undefined ? undefined : sig.pubkey === undefined ? sig.key : `${sig.key}\u0000${sig.pubkey}`
      const memo = memoName === undefined || settingsDelta !== undefined ? undefined : (states.signers.get(tree, settingsTips, memoName, cut!.key) as ResolvedSigner | undefined)
      const resolved = memo ?? (await this.#resolveSigner(sig, memoName, settingsTips, settingsDelta, publicKey, (cut ??= await states.cutAt(tree, parents))))
      if (resolved.pubkey !== publicKey) throw new UnauthorizedError('the signing key is not the key named by sigKey')
      if (settingsDelta === undefined && !Permission.canWrite(resolved.permission))
        throw new UnauthorizedError(`a ${Permission.toString(resolved.permission)} key cannot write`)

      // `parents` is this transaction's own sorted copy, never handed out: the entry may keep (and freeze) it.
      const entry: Entry = { tree: { root: tree, parents, metadata: settingsTipsMetadata(this.#owner.shared, settingsTips) }, subtrees, sig }
      // Signed and sealed inline (prepareSeal/finish): one async step less than signEntry.
      const sealing = prepareSeal(entry)
      const id = sealing.finish(await signText(signer.key, sealing.text))
      // The same change at the same tips by the same key has the same id: one
      // entry, stored once, its hooks fired once. A commit of that id in
      // flight (identical transactions committed concurrently) is waited for.
      const inflight = this.#owner.shared.inflight
      for (let other = inflight.find(id); other !== undefined; other = inflight.find(id)) await released(other)
      const claim = inflight.claim(id)
      let stored: boolean
      try {
        // Keep the state of every written store from now on, so reads stay O(1).
        for (let i = 0; i < staged.length; i++) {
          const s = staged[i]!
          if (s.state === undefined) continue
          const pending = states.ensureKept(tree, s.name, s.typeId, s.crdt, nodeParents[i]!, (cut ??= await states.cutAt(tree, parents)))
          if (pending !== undefined) await pending
        }
        // Stored already (by another handle on the same storage): nothing to apply, no hooks.
        stored = await insertEntry(engine.backend, id, entry, 'verified')
      } finally {
        inflight.release(claim)
      }
      if (!stored) return this.#closeStored(id)
      this.#state = 'closed'
      // Release borrows before advancing, so kept states advance in place.
      this.#releaseBases()
      states.applyVerified(tree, id, entry, staged)
      if (engine.hooks.has('local', tree)) engine.hooks.emit({ entryId: id, databaseId: tree, entry, source: 'local' })
      return id
    } catch (err) {
      // Nothing was stored: the transaction stays open.
      this.#state = 'open'
      throw err
    }
  }

  /** Closes the transaction whose entry `id` was stored already (by another handle, or an identical commit): nothing to apply, no hooks. */
  #closeStored(id: Id): Id {
    this.#state = 'closed'
    this.#releaseBases()
    return id
  }

  /**
   * The signer `sig` names, resolved against the settings at `settingsTips`
   * folded under `cut` (memoised under `memoName` when given), and a settings change checked
   * against the signer's priority.
   * @throws UnauthorizedError; InvalidSettingsError.
   */
  async #resolveSigner(
    sig: SigInfo,
    memoName: string | undefined,
    settingsTips: Id[],
    settingsDelta: Doc | undefined,
    publicKey: string,
    cut: Cut,
  ): Promise<ResolvedSigner> {
    const tree = this.#owner.id
    const states = this.#states
    const settingsAcq = await states.acquire(tree, SETTINGS_STORE, SettingsStore.typeId, docCrdt, settingsTips, 'borrow', cut)
    try {
      const settings = settingsAcq.state
      const resolved =
        typeof sig.key === 'string'
          ? resolveDirect(settings, sig.key, sig.pubkey)
          : await resolveSigKey(settings, sig, delegationContext(this.#owner.engine))
      if (memoName !== undefined) states.signers.set(tree, settingsTips, memoName, resolved, cut.key)
      if (resolved.pubkey !== publicKey) throw new UnauthorizedError('the signing key is not the key named by sigKey')
      if (settingsDelta !== undefined) checkSettingsChange(resolved.permission, settings, settings.merge(settingsDelta), settingsDelta)
      return resolved
    } finally {
      settingsAcq.release()
    }
  }
}

function subtreeNode(s: StagedStore, parents: Id[]): SubTreeNode {
  return s.data === undefined ? { name: s.name, parents } : { name: s.name, parents, data: s.data }
}

function subtreeNodes(staged: readonly StagedStore[], nodeParents: readonly Id[][]): SubTreeNode[] {
  const out: SubTreeNode[] = []
  for (let i = 0; i < staged.length; i++) out.push(subtreeNode(staged[i]!, nodeParents[i]!))
  return out.slice() // packed, at its final size
}

/** `{"settings_tips":[…]}`, one string object for as long as the settings tips stay the same (commits in a row mostly share it). */
function settingsTipsMetadata(shared: EngineShared, settingsTips: readonly Id[]): string {
  const last = shared.lastMetadata
  if (last !== undefined && sameTips(last.tips, settingsTips)) return last.text
  const text = `{"settings_tips":${JSON.stringify(settingsTips)}}`
  shared.lastMetadata = { tips: [...settingsTips], text }
  return text
}

/**
 * @internal What {@link registeredTypeAt} gives, when it is known without
 * I/O (current tips, memo filled): the type id, `''` for none, else `undefined`.
 */
function registeredTypeNow(states: StateManager, tree: Id, parents: readonly Id[], name: string): string | undefined {
  const indexTips = states.storeTipsNow(tree, INDEX_STORE, parents)
  const cut = states.cutNow(tree, parents)
  if (indexTips === undefined || cut === undefined) return undefined
  return states.registered.get(tree, indexTips, name, cut.key)
}

/** @internal The type id `_index` registers for `name` at main tips `parents` (memoised per index tips). */
export async function registeredTypeAt(engine: Engine, tree: Id, parents: readonly Id[], name: string): Promise<string | undefined> {
  const states = sharedOf(engine).states
  const indexTips = states.storeTipsNow(tree, INDEX_STORE, parents) ?? (await states.storeTipsAt(tree, INDEX_STORE, parents))
  const cut = states.cutNow(tree, parents) ?? (await states.cutAt(tree, parents))
  let registered = states.registered.get(tree, indexTips, name, cut.key)
  if (registered === undefined) {
    const index = await states.acquire(tree, INDEX_STORE, INDEX_TYPE, indexCrdt, indexTips, 'peek', cut)
    registered = registeredType(index.state, name) ?? ''
    states.registered.set(tree, indexTips, name, registered, cut.key)
  }
  return registered === '' ? undefined : registered
}

/** The SigInfo a signer produces (`pubkey` only under `*`). */
export function sigInfo(signer: Signer, publicKey: string): SigInfo {
  const key = signer.sigKey
  const finalName = typeof key === 'string' ? key : key[key.length - 1]?.key
  const sig: SigInfo = { sig: null, key: typeof key === 'string' ? key : key.map((s) => ({ key: s.key, tips: s.tips })) }
  if (finalName === WILDCARD) sig.pubkey = publicKey
  return sig
}
