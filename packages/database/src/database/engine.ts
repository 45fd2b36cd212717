/**
 * @module
 * `Engine`: one per backend, shared by every Database handle on it. Holds
 * the write hooks, the Ed25519 implementation used to verify received
 * entries, and (shared by every Engine over the same backend object) the
 * kept tips and store states.
 */
import { canWatch, entryTree, type Backend, type Entry, type Id } from '@engram/backend-api'
import { ed25519 as defaultEd25519, type Ed25519 } from '@engram/crypto'
import type { Doc } from '../crdt/index.js'
import { UnauthorizedError } from '../errors.js'
import type { DelegationContext } from '../auth/index.js'
import { StateManager } from '../state/index.js'
import { docCrdt } from '../store/doc-crdt.js'
import { SETTINGS_STORE, SettingsStore } from '../store/settings-store.js'
import { followBackend, type HookSet } from './follow.js'
import { InflightCommits } from './inflight.js'
import { WriteHooks, type WriteEvent } from './hooks.js'
import { receiveEntries, type ReceiveInput, type ReceiveOptions, type ReceiveResult } from './receive.js'

/** Options of {@link Engine}. */
export interface EngineOptions {
  /** Ed25519 implementation for verifying received entries (default: the platform's). */
  ed25519?: Ed25519
  /** Told about errors thrown by write listeners (default: ignored). */
  onError?: (error: unknown, event: WriteEvent) => void
  /** How many computed store states to cache (default 256). Applies to the first Engine over a backend. */
  stateCacheSize?: number
}

/** Per-backend shared state: tips, kept states, the pending-entry index. */
export interface EngineShared {
  readonly states: StateManager
  /** Missing-or-unverified parent id → ids of stored unverified entries waiting for it. */
  readonly waiting: Map<Id, Set<Id>>
  /** Stored unverified entry id → how many of the ids it is listed under in `waiting` have not settled. */
  readonly unsettled: Map<Id, number>
  /** Whether unverified entries from earlier sessions were indexed into `waiting`. */
  waitingLoaded: boolean
  /** Serialises `receiveEntries` calls. */
  receiving: Promise<unknown>
  /** The write hooks of every Engine over this backend (told about other processes' writes). */
  readonly hooks: HookSet
  /** Local commits being stored over this backend (an identical commit waits for the one in flight). */
  readonly inflight: InflightCommits
  /** The last `settings_tips` metadata text a commit wrote, for the tips it names (commits in a row mostly share it). */
  lastMetadata: { readonly tips: readonly Id[]; readonly text: string } | undefined
}

const sharedByBackend = new WeakMap<Backend, EngineShared>()
const sharedByEngine = new WeakMap<Engine, EngineShared>()

/**
 * The engine over one backend. Create one per backend and share it; every
 * write to that backend should go through it (or another Engine over the
 * same backend object), so the kept tips and states stay right.
 */
export class Engine {
  readonly backend: Backend
  readonly hooks: WriteHooks
  readonly ed25519: Ed25519

  constructor(backend: Backend, options: EngineOptions = {}) {
    if (typeof backend !== 'object' || backend === null || typeof backend.put !== 'function')
      throw new TypeError('backend must be a Backend')
    this.backend = backend
    this.ed25519 = options.ed25519 ?? defaultEd25519
    this.hooks = new WriteHooks(options.onError)
    let shared = sharedByBackend.get(backend)
    if (shared === undefined) {
      shared = {
        states: new StateManager(backend, options.stateCacheSize ?? 256),
        waiting: new Map(),
        unsettled: new Map(),
        waitingLoaded: false,
        receiving: Promise.resolve(),
        hooks: new Set(),
        inflight: new InflightCommits(),
        lastMetadata: undefined,
      }
      sharedByBackend.set(backend, shared)
      // Other processes' writes (issue 10): followed for as long as the backend is open.
      if (canWatch(backend)) followBackend(backend, shared.states, shared.hooks)
    }
    shared.hooks.add(new WeakRef(this.hooks))
    sharedByEngine.set(this, shared)
  }

  /**
   * Takes entries from elsewhere (sync): each id is computed from the bytes
   * (an `{ id, entry }` whose id differs is refused), shape and data-layer
   * §1.6 rules are checked, then entries are stored `unverified` and
   * validated parents-first against the settings their parents saw
   * (signature, key status, permission, priority; store parents must be the
   * store tips of the entry's history, a root's stores start empty, a
   * `settings_tips` claim must be true, `_index` changes only register free
   * names). Valid ones become `verified` and fire the 'remote' hooks once
   * each; invalid ones and their descendants become `failed`; entries whose
   * parents (or the delegated tips their signer names) are missing stay
   * `unverified` (pending) until those arrive.
   * The result also lists the main parents pending entries wait for that
   * are not stored (`missing`), and, with `options.databaseId`, the entries
   * of other databases that were not stored (`refused`).
   * @throws InvalidEntryError (`INVALID_ENTRY`) when any entry is malformed or
   * does not hash to its claimed id; nothing from the batch is stored then.
   */
  receiveEntries(entries: readonly ReceiveInput[], options?: ReceiveOptions): Promise<ReceiveResult> {
    const shared = sharedOf(this)
    const run = shared.receiving.then(() => receiveEntries(this, entries, options))
    shared.receiving = run.catch(() => {})
    return run
  }
}

/** @internal The shared state of an engine. */
export const sharedOf = (engine: Engine): EngineShared => sharedByEngine.get(engine)!

/** @internal Settings Doc of `tree` at main tips `tips`, as a pinned snapshot. */
export async function settingsAtMain(engine: Engine, tree: Id, tips: readonly Id[]): Promise<Doc> {
  const states = sharedOf(engine).states
  const settingsTips = await states.storeTipsAt(tree, SETTINGS_STORE, tips)
  const cut = states.cutNow(tree, tips) ?? (await states.cutAt(tree, tips))
  return (await states.acquire(tree, SETTINGS_STORE, SettingsStore.typeId, docCrdt, settingsTips, 'view', cut)).state
}

/**
 * @internal The delegation context: settings of another database at tips the
 * signer names; every tip must be a verified entry of that database.
 */
export function delegationContext(engine: Engine): DelegationContext {
  return {
    async settingsAt(root: Id, tips: readonly Id[], floor: readonly Id[]): Promise<Doc> {
      for (const tip of tips) {
        let entry: Entry
        try {
          if ((await engine.backend.getStatus(tip)) !== 'verified') throw new Error('not verified')
          entry = await engine.backend.get(tip)
        } catch {
          throw new UnauthorizedError(`delegation tip ${tip.slice(0, 80)} is unknown or not verified`)
        }
        if (entryTree(tip, entry) !== root)
          throw new UnauthorizedError(`delegation tip ${tip.slice(0, 80)} is not in database ${root.slice(0, 80)}`)
      }
      if (!(await inHistoryMemo(engine.backend, root, floor, tips)))
        throw new UnauthorizedError('delegation tips are older than the tips the delegation names')
      return settingsAtMain(engine, root, tips)
    },
  }
}

/** Answers of {@link inHistory} per backend (they never change: ids are content hashes, verified stays verified). */
const historyMemo = new WeakMap<Backend, Map<string, boolean>>()
const HISTORY_MEMO_SIZE = 1024

async function inHistoryMemo(backend: Backend, tree: Id, ids: readonly Id[], tips: readonly Id[]): Promise<boolean> {
  if (ids.every((id) => tips.includes(id))) return true
  let memo = historyMemo.get(backend)
  if (memo === undefined) historyMemo.set(backend, (memo = new Map()))
  const key = `${[...ids].sort().join(',')}|${[...tips].sort().join(',')}`
  let answer = memo.get(key)
  if (answer === undefined) {
    answer = await inHistory(backend, tree, ids, tips)
    if (memo.size >= HISTORY_MEMO_SIZE) memo.clear()
    memo.set(key, answer)
  }
  return answer
}

/**
 * Whether every id of `ids` is one of `tips` (verified entries of `tree`) or
 * an ancestor of one. Walks main parents down from `tips`, no lower than
 * the lowest id sought.
 */
async function inHistory(backend: Backend, tree: Id, ids: readonly Id[], tips: readonly Id[]): Promise<boolean> {
  const sought = new Set(ids.filter((id) => !tips.includes(id)))
  if (sought.size === 0) return true
  let floor = Infinity
  for (const id of sought) {
    try {
      if ((await backend.getStatus(id)) !== 'verified') return false
      floor = Math.min(floor, await backend.getHeight(tree, id))
    } catch {
      return false // unknown here, or not in `tree`: not an ancestor of verified tips of `tree`
    }
  }
  const seen = new Set<Id>(tips)
  const stack = [...tips]
  while (stack.length > 0) {
    const entry = await backend.get(stack.pop()!)
    for (const p of entry.tree.parents) {
      if (seen.has(p)) continue
      seen.add(p)
      if (sought.delete(p) && sought.size === 0) return true
      if ((await backend.getHeight(tree, p)) > floor) stack.push(p)
    }
  }
  return false
}
