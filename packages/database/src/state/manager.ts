/**
 * @module
 * Store states (DECISIONS 5). For each (database, store, store type) the
 * state at the current store tips is kept and advanced in place by each new
 * verified entry whose store parents are exactly those tips: O(size of the
 * change). States of store types with a persistent `merge` (every Doc-based
 * store) are immutable values sharing structure: an advance makes a new
 * state and leaves the old one to whoever reads it, so views, borrows and
 * checkpoints cost O(1). For other store types, handles that read the state
 * mark it: a view pins it for good, an open transaction borrows it until it
 * commits; the next advance then clones first (copy-on-write), so a snapshot
 * never changes under its reader and nothing is cloned per commit when
 * nobody looks.
 *
 * Any other tip set is computed from the nearest known state:
 *   state({})  = empty
 *   state({e}) = state(storeParents(e)) + data(e)
 *   state(T)   = state({LCA(T)}) + data of getPathFromTo(LCA, T), in (height, id) order,
 *                when the LCA sorts before every entry of that path; otherwise
 *                the fold of the whole history of T in (height, id) order
 * (each is the fold of T's history in the one DAG order, DECISIONS 3)
 * iteratively (no recursion however long the history), with computed states
 * kept in a bounded LRU cache.
 */
import { entryId, type Backend, type Checkpoint, type Entry, type Id } from '@engram/backend-api'
import { afterLinearStep, computeCut, IncrementalCut, NO_CUT, type Cut, type CutEntry } from '../auth/cut.js'
import { authNamesWritten, cutEntry } from '../auth/cut-facts.js'
import { Doc } from '../crdt/index.js'
import { INDEX_STORE, isSystemStore, registeredType } from '../store/index-store.js'
import type { StoreCrdt } from '../store/types.js'
import { DurableCheckpoints } from './durable-checkpoints.js'
import { LruCache } from './lru.js'
import { TipsMemo } from './memo.js'
import { advanceTips, noIds, normalizeTips, sameTips, tipsKey } from './tips.js'

/** A state kept at the current tips of one store, for one store type. */
interface KeptState {
  tips: Id[]
  state: unknown
  crdt: StoreCrdt<unknown>
  /** A view holds this object: clone before changing it. */
  pinned: boolean
  /** Open transactions reading this object. */
  borrows: number
  /** Advances since the last checkpoint copy went to the cache. */
  sinceCheckpoint: number
  /** Advances between checkpoints: grows with the time a copy takes (big states copy rarely). */
  checkpointEvery: number
  /** The cut this state was folded under (DECISIONS 18). */
  cut: Cut
}

interface StoreHead {
  tips: Id[]
  kept: Map<string, KeptState>
}

interface DbHead {
  tips: Id[]
  stores: Map<string, StoreHead>
  /** The cut of the history up to `tips`, once computed (kept while commits extend the tips linearly). */
  cut: Cut | undefined
  /** The computation behind `cut`, which new data entries extend (see IncrementalCut). */
  inc: IncrementalCut | undefined
}

/**
 * What makes a cut possible in a database: an auth name written by two
 * entries, or `auth` replaced whole by an entry after the root. Without
 * either, every cut is empty and nothing is computed.
 */
interface CutRisk {
  /** Auth name → the entries writing it (a replace of `auth` writes `*all*`). */
  writers: Map<string, Id[]>
  risky: boolean
  /** Heights of the writers of names written twice (looked up once). */
  heights: Map<Id, number>
}

/** The pseudo-name of an entry that replaces `auth` whole. */
const ALL_NAMES = '\u0000all'

const CUT_MEMO_SIZE = 64
/** The head's cut is kept every so many linear steps (so a cut at an older tip is derived from a near one). */
const CUT_MARK_EVERY = 128
/** How far back a cut at one tip is derived along single-parent entries before computing it whole. */
const CUT_DERIVE_STEPS = 2 * CUT_MARK_EVERY
const CUT_MARKS_KEPT = 4096

/**
 * The `_index` registrations of a database: per store name, the entries
 * registering it and the type each gave. A name registered with two types
 * (on concurrent branches) is folded with the rule of `_index`: the first
 * registration in the DAG order wins, data written under the other type is
 * skipped.
 */
type Registrations = Map<string, Map<Id, string>>

/** A committed store's staged state (`undefined` when the entry only names the store), handed to {@link StateManager.applyVerified}. */
export interface StagedDelta {
  readonly name: string
  readonly typeId: string
  readonly state: unknown
}

/** How a state is handed out. */
export type AcquireMode = 'view' | 'borrow' | 'peek'

/** A state handed out by {@link StateManager.acquire}. Never mutate `state`. */
export interface Acquired<State> {
  readonly state: State
  /** Ends a borrow (no-op for views and peeks). */
  release(): void
}

const NO_RELEASE = (): void => {}

/**
 * A copy of the kept state goes to the cache every so many in-place advances
 * (bounds walks back for reads at older tips and merges of recent forks):
 * at least every MIN, at most every MAX advances, and every COST_FACTOR
 * advances per microsecond the copy took. The copy's time is about a third
 * of what it costs: the garbage collector then moves the copy (a large,
 * long-lived map) and keeps it. At 1 advance per copied microsecond, P1
 * measured ~3 us per commit for checkpoints (vs none at all); at 4, ~1 us,
 * while a read at an old tip replays at most 4x the entries it did (still
 * at most MAX).
 */
const CHECKPOINT_MIN = 64
const CHECKPOINT_MAX = 8192
const CHECKPOINT_COST_FACTOR = 4

/** How many recently applied ids {@link StateManager.wasApplied} remembers (then it starts over). */
const APPLIED_KEPT = 16384

/** The settings store, whose auth values a cut may override. */
const SETTINGS = '_settings'

/** Keeps tips and store states for every database of one backend. */
export class StateManager {
  readonly #backend: Backend
  readonly #heads = new Map<Id, DbHead>()
  /** Bumped on every verified entry of a database, loaded head or not (guards lazy loads). */
  readonly #epochs = new Map<Id, number>()
  readonly #cache: LruCache<string, unknown>
  /** Signers resolved against the settings at given tips (tips name a state for good). */
  readonly signers = new TipsMemo<unknown>()
  /** Store types registered in `_index` at given tips (`''` = not registered). */
  readonly registered = new TipsMemo<string>()
  /** Durable checkpoints, when the backend keeps them (issue 10; durable-checkpoints.ts). */
  readonly #durable: DurableCheckpoints | undefined
  /**
   * Ids taken in lately (issue 10: a change feed may report one again);
   * cleared past APPLIED_KEPT. Kept only once a change feed is followed
   * ({@link trackApplied}): nobody else asks, and an insert into a set this
   * size is a measurable part of a commit.
   */
  #applied: Set<Id> | undefined
  readonly #risks = new Map<Id, CutRisk>()
  readonly #registrations = new Map<Id, Registrations>()
  /** Cuts at tips other than the current ones, by `tree|tipsKey`. */
  readonly #cuts = new LruCache<string, Cut>(CUT_MEMO_SIZE)
  /** The cut's view of entries (hashing an entry again for its id is the cost to avoid). */
  readonly #cutEntries = new WeakMap<Entry, CutEntry>()
  /** Each distinct non-empty cut key → a short name for cache keys. */
  readonly #cutNames = new Map<string, string>()
  /** Cuts the head had at some single tips, per database (see CUT_MARK_EVERY). */
  readonly #cutMarks = new Map<Id, { marks: Map<Id, Cut>; steps: number }>()
  #cutSeq = 0

  constructor(backend: Backend, cacheSize = 256) {
    this.#backend = backend
    this.#cache = new LruCache(cacheSize)
    this.#durable = DurableCheckpoints.over(backend)
  }

  // ---- durable checkpoints (issue 10) -------------------------------------------

  /**
   * THE one place that decides whether the state of `store` (folded as
   * `typeId`) at `tips` may be written as a durable checkpoint (`write`), or
   * whether a stored checkpoint at `tips` may be used as the base of a fold
   * (`read`), given the cut the state was (or is to be) folded under. A
   * state folded with entries skipped (a non-empty revocation cut, DECISIONS
   * 18) is neither: a checkpoint is always a plain fold of the history of
   * its tips, and serves only as the base of a plain fold (`#compute` folds
   * under a non-empty cut from the whole history, without checkpoints).
   */
  #durableOk(use: 'write' | 'read', tree: Id, store: string, typeId: string, tips: readonly Id[], cut: Cut): boolean {
    void use
    void tree
    void store
    void typeId
    void tips
    return cut.key === ''
  }

  /** Counts `folded` entries into the state at `tips`; writes it as a durable checkpoint when one is due (and allowed). */
  #offerDurable(tree: Id, store: string, typeId: string, crdt: StoreCrdt<unknown>, tips: readonly Id[], state: unknown, folded: number, cut: Cut): void {
    const durable = this.#durable
    if (durable === undefined || !durable.due(tree, store, typeId, folded)) return
    if (this.#durableOk('write', tree, store, typeId, tips, cut)) durable.write(tree, store, typeId, crdt, tips, state)
  }

  #epoch(tree: Id): number {
    return this.#epochs.get(tree) ?? 0
  }

  async #head(tree: Id): Promise<DbHead> {
    for (;;) {
      const head = this.#heads.get(tree)
      if (head !== undefined) return head
      const epoch = this.#epoch(tree)
      const tips = await this.#backend.getTips(tree)
      if (this.#heads.has(tree) || epoch !== this.#epoch(tree)) continue
      const fresh: DbHead = { tips: normalizeTips(tips), stores: new Map(), cut: undefined, inc: undefined }
      this.#heads.set(tree, fresh)
      return fresh
    }
  }

  async #storeHead(tree: Id, store: string): Promise<StoreHead> {
    for (;;) {
      const head = await this.#head(tree)
      const existing = head.stores.get(store)
      if (existing !== undefined) return existing
      const epoch = this.#epoch(tree)
      const tips = await this.#backend.getStoreTips(tree, store)
      if (this.#heads.get(tree) !== head || head.stores.has(store) || epoch !== this.#epoch(tree)) continue
      const fresh: StoreHead = { tips: normalizeTips(tips), kept: new Map() }
      head.stores.set(store, fresh)
      return fresh
    }
  }

  /** Current tips of a database (sorted) when its head is loaded (no I/O), else `undefined`. Do not mutate. */
  tipsNow(tree: Id): readonly Id[] | undefined {
    return this.#heads.get(tree)?.tips
  }

  /** Current tips of a database (sorted). */
  async tips(tree: Id): Promise<Id[]> {
    return [...(await this.#head(tree)).tips]
  }

  /** Whether `mainTips` are the database's current tips (cheap when the head is loaded). */
  async isCurrent(tree: Id, mainTips: readonly Id[]): Promise<boolean> {
    return sameTips((await this.#head(tree)).tips, mainTips)
  }

  /**
   * The cut of the history up to `mainTips` (DECISIONS 18): what a fold at
   * those tips skips and overrides. Empty, at no cost, for databases where
   * no auth name was ever written twice.
   */
  async cutAt(tree: Id, mainTips: readonly Id[]): Promise<Cut> {
    if (mainTips.length === 0) return NO_CUT
    for (;;) {
      const risk = await this.#riskOf(tree)
      if (!risk.risky) return NO_CUT
      const known = this.#knownCut(tree, mainTips)
      if (known !== undefined) return known
      if (await this.#plainAt(tree, risk, mainTips)) return NO_CUT
      const head = await this.#head(tree)
      const current = sameTips(head.tips, mainTips)
      if (current && head.cut !== undefined) return head.cut
      const memoKey = `${tree}|${tipsKey(mainTips)}`
      if (mainTips.length === 1) {
        const derived = await this.#deriveCut(tree, mainTips[0]!)
        if (derived !== undefined) {
          this.#cuts.set(memoKey, derived)
          return derived
        }
      }
      const epoch = this.#epoch(tree)
      const entries = await this.#backend.getTreeFromTips(tree, mainTips)
      const facts = entries.map((e) => this.#cutFacts(e))
      const inc = current ? new IncrementalCut(facts) : undefined
      const cut = this.#named(inc?.cut ?? computeCut(facts))
      this.#cuts.set(memoKey, cut)
      if (this.#heads.get(tree) !== head) continue
      if (current && epoch === this.#epoch(tree) && sameTips(head.tips, mainTips)) {
        head.cut = cut
        head.inc = inc
      }
      return cut
    }
  }

  /**
   * Whether the history up to `mainTips` holds at most one writer of each
   * auth name (and no replace of `auth` after the root): then its cut is
   * empty. Decided by heights: a writer at or above every tip's height is
   * not in their past (entries before a database's first revocation, say).
   */
  async #plainAt(tree: Id, risk: CutRisk, mainTips: readonly Id[]): Promise<boolean> {
    let top = 0
    for (const t of mainTips) top = Math.max(top, await this.#backend.getHeight(tree, t))
    for (const [name, ids] of risk.writers) {
      if (ids.length < 2 && name !== ALL_NAMES) continue
      let inPast = 0
      for (const w of ids) {
        let h = risk.heights.get(w)
        if (h === undefined) risk.heights.set(w, (h = await this.#backend.getHeight(tree, w)))
        if (h < top || mainTips.includes(w)) inPast++
      }
      if (inPast > (name === ALL_NAMES ? 0 : 1)) return false
    }
    return true
  }

  /** A cut known without I/O at exactly `tips`: the head's, memoised, or marked. */
  #knownCut(tree: Id, tips: readonly Id[]): Cut | undefined {
    const head = this.#heads.get(tree)
    if (head?.cut !== undefined && sameTips(head.tips, tips)) return head.cut
    if (tips.length === 1) {
      const marked = this.#cutMarks.get(tree)?.marks.get(tips[0]!)
      if (marked !== undefined) return marked
    }
    return this.#cuts.get(`${tree}|${tipsKey(tips)}`)
  }

  /**
   * The cut at one tip, derived from a known cut a few single-parent steps
   * back: the history at `id` is its parents' history plus `id`, a linear
   * step (see {@link afterLinearStep}). `undefined` when no known cut is near.
   */
  async #deriveCut(tree: Id, id: Id): Promise<Cut | undefined> {
    const chain: Entry[] = []
    let at = [id]
    let base: Cut | undefined
    for (let step = 0; step <= CUT_DERIVE_STEPS; step++) {
      base = step === 0 ? undefined : this.#knownCut(tree, at)
      if (base !== undefined) break
      if (at.length !== 1) return undefined
      const entry = await this.#backend.get(at[0]!)
      chain.push(entry)
      if (entry.tree.parents.length === 0) {
        base = NO_CUT
        break
      }
      at = normalizeTips(entry.tree.parents)
    }
    if (base === undefined) return undefined
    for (let i = chain.length - 1; i >= 0; i--) {
      const node = chain[i]!.subtrees.find((s) => s.name === SETTINGS)
      const written = node?.data === undefined ? undefined : authNamesWritten(node.data)
      if (written !== undefined && chain[i]!.tree.parents.length > 0) base = afterLinearStep(base, written.replaceAll ? 'all' : written.names)
      else if (written !== undefined) base = NO_CUT
    }
    return this.#named(base)
  }

  /** The cut at `mainTips` when known without I/O, else `undefined`. */
  cutNow(tree: Id, mainTips: readonly Id[]): Cut | undefined {
    const risk = this.#risks.get(tree)
    if (risk !== undefined && !risk.risky) return NO_CUT
    return this.#knownCut(tree, mainTips)
  }

  /** Keeps the head's cut at `id` now and then, for {@link deriveCut}. */
  #markCut(tree: Id, id: Id, cut: Cut): void {
    let m = this.#cutMarks.get(tree)
    if (m === undefined) this.#cutMarks.set(tree, (m = { marks: new Map(), steps: 0 }))
    if (++m.steps < CUT_MARK_EVERY) return
    m.steps = 0
    if (m.marks.size >= CUT_MARKS_KEPT) m.marks.clear()
    m.marks.set(id, cut)
  }

  /** The same cut object for the same key (so cache keys stay short). */
  #named(cut: Cut): Cut {
    if (cut.key === '') return NO_CUT
    let name = this.#cutNames.get(cut.key)
    if (name === undefined) {
      if (this.#cutNames.size >= CUT_MEMO_SIZE * 16) this.#cutNames.clear()
      this.#cutNames.set(cut.key, (name = `c${this.#cutSeq++}`))
    }
    return { skipped: cut.skipped, overrides: cut.overrides, key: name }
  }

  /** The registrations of `store` when it was registered with more than one type, else `undefined`. */
  async #mixedRegistrations(tree: Id, store: string): Promise<Map<Id, string> | undefined> {
    let regs = this.#registrations.get(tree)
    while (regs === undefined) {
      const epoch = this.#epoch(tree)
      const entries = await this.#storeEntries(tree, INDEX_STORE)
      if (this.#registrations.has(tree) || epoch !== this.#epoch(tree)) {
        regs = this.#registrations.get(tree)
        continue
      }
      regs = new Map()
      for (const e of entries) countRegistrations(regs, this.#cutFacts(e).id, e)
      this.#registrations.set(tree, regs)
    }
    const byEntry = regs.get(store)
    if (byEntry === undefined || byEntry.size < 2) return undefined
    const first = byEntry.values().next().value
    for (const type of byEntry.values()) if (type !== first) return byEntry
    return undefined
  }

  async #riskOf(tree: Id): Promise<CutRisk> {
    for (;;) {
      const known = this.#risks.get(tree)
      if (known !== undefined) return known
      const epoch = this.#epoch(tree)
      const settings = await this.#storeEntries(tree, SETTINGS)
      if (this.#risks.has(tree) || epoch !== this.#epoch(tree)) continue
      const risk: CutRisk = { writers: new Map(), risky: false, heights: new Map() }
      for (const e of settings) countAuthWrites(risk, this.#cutFacts(e).id, e)
      this.#risks.set(tree, risk)
      return risk
    }
  }

  /**
   * issue 10: every verified entry of a (small) store, walked down its
   * store parents from its store tips (each member is a tip or a store parent
   * of one), rather than `getStore`: a backend that answers store tips
   * without loading the whole graph (SQLite after a reopen) then reads only
   * that store's entries (the settings and `_index`, for the cut and the registrations).
   */
  async #storeEntries(tree: Id, store: string): Promise<Entry[]> {
    const tips = await this.#backend.getStoreTips(tree, store)
    const seen = new Set<Id>(tips)
    const stack = [...tips]
    const out: Entry[] = []
    while (stack.length > 0) {
      const entry = await this.#backend.get(stack.pop()!)
      out.push(entry)
      for (const p of storeParents(entry, store))
        if (!seen.has(p)) {
          seen.add(p)
          stack.push(p)
        }
    }
    return out
  }

  /**
   * Store tips at `mainTips` when they are the loaded current tips and the
   * store's head is loaded (no I/O); `undefined` otherwise.
   */
  storeTipsNow(tree: Id, store: string, mainTips: readonly Id[]): Id[] | undefined {
    const head = this.#heads.get(tree)
    if (head === undefined || !sameTips(head.tips, mainTips)) return undefined
    return head.stores.get(store)?.tips
  }

  /**
   * Makes sure a state is kept at the current tips of `store` for `typeId`,
   * so the next entries advance it in place (computed once per session).
   * Only when an entry with store parents `parents` is about to extend them.
   */
  ensureKept<State>(tree: Id, store: string, typeId: string, crdt: StoreCrdt<State>, parents: readonly Id[], cut: Cut = NO_CUT): Promise<unknown> | undefined {
    const sh = this.#heads.get(tree)?.stores.get(store)
    if (sh === undefined || sh.kept.has(typeId) || !sameTips(sh.tips, parents)) return undefined
    return this.acquire(tree, store, typeId, crdt, sh.tips, 'peek', cut)
  }

  /** Store tips limited to the history of `mainTips` (sorted). */
  async storeTipsAt(tree: Id, store: string, mainTips: readonly Id[]): Promise<Id[]> {
    if (mainTips.length === 0) return noIds()
    const head = await this.#head(tree)
    if (sameTips(head.tips, mainTips)) {
      const sh = await this.#storeHead(tree, store)
      if (this.#heads.get(tree) === head && sameTips(head.tips, mainTips)) return [...sh.tips]
    }
    return normalizeTips(await this.#backend.getStoreTipsUpTo(tree, store, mainTips))
  }

  /**
   * The state of `store` (folded with `crdt`, cached under `typeId`) at
   * `storeTips`. The caller must not mutate it. `view` pins it (a snapshot
   * for as long as the caller likes), `borrow` holds it until `release()`,
   * `peek` is for synchronous use right away. `cut` is the cut at the main
   * tips the store tips were taken at ({@link cutAt}).
   */
  async acquire<State>(
    tree: Id,
    store: string,
    typeId: string,
    crdt: StoreCrdt<State>,
    storeTips: readonly Id[],
    mode: AcquireMode,
    cut: Cut = NO_CUT,
  ): Promise<Acquired<State>> {
    const tips = normalizeTips(storeTips)
    for (;;) {
      const sh = this.#heads.get(tree)?.stores.get(store)
      if (sh !== undefined && sameTips(sh.tips, tips)) {
        const kept = sh.kept.get(typeId)
        if (kept !== undefined && kept.cut.key === cut.key) return this.#handOut(kept, mode) as Acquired<State>
        const state = await this.#compute(tree, store, typeId, crdt as StoreCrdt<unknown>, tips, cut)
        const now = sh.kept.get(typeId)
        if (now !== undefined && now.cut.key === cut.key) continue
        if (this.#heads.get(tree)?.stores.get(store) !== sh || !sameTips(sh.tips, tips) || (now !== undefined && !this.#isHeadCut(tree, cut))) {
          // The store moved on meanwhile (or this is not the current cut): still the right state for `tips`.
          this.#cache.set(this.#key(typeId, store, tips, cut), state)
          return { state: state as State, release: NO_RELEASE }
        }
        const fresh: KeptState = { tips, state, crdt: crdt as StoreCrdt<unknown>, pinned: false, borrows: 0, sinceCheckpoint: 0, checkpointEvery: CHECKPOINT_MIN, cut }
        if (now !== undefined) this.#cache.set(this.#key(typeId, store, now.tips, now.cut), now.state)
        sh.kept.set(typeId, fresh)
        return this.#handOut(fresh, mode) as Acquired<State>
      }
      const key = this.#key(typeId, store, tips, cut)
      const cached = this.#cache.get(key)
      if (cached !== undefined) return { state: cached as State, release: NO_RELEASE }
      const state = await this.#compute(tree, store, typeId, crdt as StoreCrdt<unknown>, tips, cut)
      this.#cache.set(key, state)
      return { state: state as State, release: NO_RELEASE }
    }
  }

  #isHeadCut(tree: Id, cut: Cut): boolean {
    return this.#heads.get(tree)?.cut?.key === cut.key
  }

  #key(typeId: string, store: string, tips: readonly Id[], cut: Cut): string {
    return cut.key === '' ? cacheKey(typeId, store, tips) : `${cacheKey(typeId, store, tips)}\u0001${cut.key}`
  }

  #handOut(kept: KeptState, mode: AcquireMode): Acquired<unknown> {
    const state = kept.state
    // An immutable state needs no pin or borrow: advances never change it.
    if (kept.crdt.merge !== undefined) return { state, release: NO_RELEASE }
    if (mode === 'view') kept.pinned = true
    if (mode !== 'borrow') return { state, release: NO_RELEASE }
    kept.borrows++
    let released = false
    return {
      state,
      release: () => {
        if (released) return
        released = true
        if (kept.state === state) kept.borrows--
      },
    }
  }

  /** An immutable known state at exactly `tips`, if any (`prefix` = `cacheKey(typeId, store, [])`). */
  #known(tree: Id, store: string, typeId: string, prefix: string, tips: readonly Id[]): unknown {
    const sh = this.#heads.get(tree)?.stores.get(store)
    if (sh !== undefined && sameTips(sh.tips, tips)) {
      const kept = sh.kept.get(typeId)
      if (kept !== undefined && kept.cut.key === '') return kept.state
    }
    if (this.#cache.size === 0) return undefined
    return this.#cache.get(tips.length === 1 ? prefix + tips[0]! : cacheKey(typeId, store, tips))
  }

  /** A state at `tips` that the caller may fold further (fresh and unshared, unless the type folds persistently). */
  async #compute(tree: Id, store: string, typeId: string, crdt: StoreCrdt<unknown>, tips: Id[], cut: Cut): Promise<unknown> {
    const mixed = isSystemStore(store) ? undefined : await this.#mixedRegistrations(tree, store)
    if (cut.key !== '' || mixed !== undefined) return this.#computeFull(tree, store, crdt, tips, cut, mixed)
    const steps: { ids: Id[]; baseTips: Id[] }[] = []
    const entries = new Map<Id, Entry>()
    const prefix = cacheKey(typeId, store, [])
    let target = tips
    let state: unknown
    // Durable checkpoints (issue 10): read once the walk needs more than memory holds.
    let stored: ReadonlyMap<string, Checkpoint> | undefined
    for (;;) {
      if (target.length === 0) {
        state = crdt.empty()
        break
      }
      const known = this.#known(tree, store, typeId, prefix, target)
      if (known !== undefined) {
        state = snapshot(crdt, known)
        break
      }
      if (this.#durable !== undefined) {
        stored ??= await this.#durable.candidates(tree, store, typeId)
        const checkpoint = stored.size === 0 ? undefined : stored.get(tipsKey(target))
        // Reached by the walk: its tips are in the history of `tips`, and the fold above them is a valid one.
        if (checkpoint !== undefined && this.#durableOk('read', tree, store, typeId, target, cut)) {
          const opened = await this.#durable.open(checkpoint, crdt)
          if (opened !== undefined) {
            state = opened
            break
          }
        }
      }
      if (target.length === 1) {
        const id = target[0]!
        const entry = await this.#backend.get(id)
        entries.set(id, entry)
        steps.push({ ids: [id], baseTips: target })
        target = normalizeTips(storeParents(entry, store))
        continue
      }
      const lca = await this.#lcaAsBase(tree, store, target)
      if (lca === undefined) {
        // No common ancestor (separate store roots), or one whose state is no
        // prefix of the one DAG order: fold the whole history in that order.
        const all = await this.#backend.getStoreFromTips(tree, store, target)
        const ids = all.map((e) => entryId(e))
        all.forEach((e, i) => entries.set(ids[i]!, e))
        steps.push({ ids, baseTips: [] })
        target = []
        continue
      }
      steps.push({ ids: lca.path, baseTips: [lca.id] })
      target = [lca.id]
    }
    let folded = 0
    for (let s = steps.length - 1; s >= 0; s--) {
      const step = steps[s]!
      folded += step.ids.length
      // The state at an LCA is worth keeping: sibling merges start from it too.
      if (step.ids.length > 1 && step.baseTips.length > 0)
        this.#cache.set(cacheKey(typeId, store, step.baseTips), snapshot(crdt, state))
      for (const id of step.ids) {
        const entry = entries.get(id) ?? (await this.#backend.get(id))
        state = absorbData(crdt, state, entry, store)
      }
    }
    if (folded > 0) this.#offerDurable(tree, store, typeId, crdt, tips, state, folded, cut)
    return state
  }

  /**
   * The state at `tips` folded from the whole history in the one DAG order:
   * under a non-empty cut, skipped entries left out, then (settings) the
   * auth values the cut overrides laid over it; for a name registered with
   * two types (`mixed`), the data of entries that wrote it under another
   * type than its first registration left out.
   */
  async #computeFull(tree: Id, store: string, crdt: StoreCrdt<unknown>, tips: Id[], cut: Cut, mixed: Map<Id, string> | undefined): Promise<unknown> {
    let state = crdt.empty()
    if (tips.length > 0) {
      const history = await this.#backend.getStoreFromTips(tree, store, tips)
      const ids = history.map((e) => this.#cutFacts(e).id)
      const lost = mixed === undefined ? undefined : lostRegistration(history, ids, store, mixed, cut)
      for (let i = 0; i < history.length; i++) {
        if (cut.skipped.has(ids[i]!) || lost?.has(ids[i]!)) continue
        state = absorbData(crdt, state, history[i]!, store)
      }
    }
    if (store === SETTINGS && cut.overrides.size > 0) {
      const delta = new Doc()
      for (const [name, value] of cut.overrides) {
        if (value === undefined) delta.deletePath(`auth.${name}`)
        else delta.setPath(`auth.${name}`, value)
      }
      state = fold(crdt, state, delta)
    }
    return state
  }

  #cutFacts(entry: Entry): CutEntry {
    let f = this.#cutEntries.get(entry)
    if (f === undefined) this.#cutEntries.set(entry, (f = cutEntry(entryId(entry), entry)))
    return f
  }

  /**
   * The LCA of `tips` and the path above it, when the LCA's state is a valid
   * base: every entry of the path sorts after it in the one DAG order
   * (height, then id — DECISIONS 3). `undefined` when there is no common
   * ancestor, or when a shallow branch merged in late sorts before it.
   */
  async #lcaAsBase(tree: Id, store: string, tips: Id[]): Promise<{ id: Id; path: Id[] } | undefined> {
    let id: Id
    try {
      id = await this.#backend.findLca(tree, store, tips)
    } catch (err) {
      if ((err as { code?: unknown }).code === 'NO_COMMON_ANCESTOR') return undefined
      throw err
    }
    const path = await this.#backend.getPathFromTo(tree, store, id, tips)
    if (path.length === 0) return { id, path }
    const [hl, hp] = await Promise.all([this.#backend.getHeight(tree, id), this.#backend.getHeight(tree, path[0]!)])
    return hl < hp || (hl === hp && id < path[0]!) ? { id, path } : undefined
  }

  /**
   * Records a newly verified entry: advances tips, store tips and kept
   * states. `deltas` (the staged state of each store a local commit wrote)
   * spare decoding its data; they must not be changed afterwards.
   */
  applyVerified(tree: Id, id: Id, entry: Entry, deltas?: readonly StagedDelta[]): void {
    this.#epochs.set(tree, this.#epoch(tree) + 1)
    const applied = this.#applied
    if (applied !== undefined) {
      if (applied.size >= APPLIED_KEPT) applied.clear()
      applied.add(id)
    }
    const regs = this.#registrations.get(tree)
    const registered = regs === undefined ? undefined : countRegistrations(regs, id, entry)
    const risk = this.#risks.get(tree)
    let authNames: readonly string[] | undefined
    if (risk !== undefined) {
      const names = countAuthWrites(risk, id, entry)
      if (names !== undefined) authNames = names
    }
    const head = this.#heads.get(tree)
    if (head === undefined) return
    const linear = sameTips(head.tips, entry.tree.parents)
    // A linear step adds an entry every other one is in the past of: it skips
    // nothing, and nothing skips it; it only ends the overrides of the names it writes.
    if (head.cut !== undefined) {
      // A data entry extends the computation (and may be skipped itself); an auth entry ends it.
      const extended = authNames === undefined ? head.inc?.extend(cutEntry(id, entry)) : undefined
      if (extended === undefined) head.inc = undefined
      if (!linear) head.cut = extended === undefined ? undefined : this.#named(extended)
      else if (authNames !== undefined) head.cut = this.#named(afterLinearStep(head.cut, authNames.length === 0 ? 'all' : authNames))
    }
    // One `[id]` for every tip list a linear step leaves (they are never mutated, only replaced).
    const alone = [id]
    head.tips = advanceTips(head.tips, entry.tree.parents, id, alone)
    if (head.cut !== undefined && head.tips.length === 1) this.#markCut(tree, id, head.cut)
    const subtrees = entry.subtrees
    for (let i = 0; i < subtrees.length; i++) {
      const node = subtrees[i]!
      const sh = head.stores.get(node.name)
      if (sh === undefined) continue
      const linearInStore = sameTips(sh.tips, node.parents)
      // forEach, not for…of: no iterator objects per commit before the JIT has run (deleting the current key is allowed).
      sh.kept.forEach((kept, typeId) => {
        // A store registered anew by this entry may now have two types: fold it whole from now on.
        if (registered?.includes(node.name) === true && regs!.get(node.name)!.size > 1) {
          sh.kept.delete(typeId)
          return
        }
        // A settings state with overrides for names this entry writes is no fold-then-override any more.
        const overridden = node.name === SETTINGS && kept.cut.overrides.size > 0 && authNames !== undefined
        if (overridden) {
          sh.kept.delete(typeId)
          return
        }
        if (!linearInStore) {
          // Still the state at the old tips: keep it for merges from there.
          this.#cache.set(this.#key(typeId, node.name, kept.tips, kept.cut), kept.state)
          sh.kept.delete(typeId)
          return
        }
        if (node.data !== undefined) {
          if (kept.crdt.merge === undefined && (kept.pinned || kept.borrows > 0)) {
            // The old object now belongs to its readers (and serves as a checkpoint).
            this.#cache.set(this.#key(typeId, node.name, kept.tips, kept.cut), kept.state)
            kept.state = kept.crdt.clone(kept.state)
            kept.pinned = false
            kept.borrows = 0
            kept.sinceCheckpoint = 0
          } else if (++kept.sinceCheckpoint >= kept.checkpointEvery) {
            const start = performance.now()
            const copy = snapshot(kept.crdt, kept.state)
            this.#cache.set(this.#key(typeId, node.name, kept.tips, kept.cut), copy)
            const micros = (performance.now() - start) * 1000
            kept.checkpointEvery = Math.min(CHECKPOINT_MAX, Math.max(CHECKPOINT_MIN, Math.round(CHECKPOINT_COST_FACTOR * micros)))
            // issue 10: a copy of a state that changes in place may go to the backend as a durable checkpoint.
            if (kept.crdt.merge === undefined) this.#offerDurable(tree, node.name, typeId, kept.crdt, kept.tips, copy, kept.sinceCheckpoint, kept.cut)
            kept.sinceCheckpoint = 0
          }
          // issue 10: an immutable state is its own snapshot: counted per advance (by cost, see durable-checkpoints.ts).
          if (kept.crdt.merge !== undefined) this.#offerDurable(tree, node.name, typeId, kept.crdt, kept.tips, kept.state, 1, kept.cut)
          const delta = deltas === undefined ? undefined : deltaFor(deltas, node.name)
          if (delta !== undefined && delta.state !== undefined && delta.typeId === typeId) kept.state = fold(kept.crdt, kept.state, delta.state)
          else kept.state = absorbData(kept.crdt, kept.state, entry, node.name)
        }
        kept.tips = alone
      })
      sh.tips = advanceTips(sh.tips, node.parents, id, alone)
    }
  }

  // ---- other processes' writes (issue 10; database/follow.ts) ---------------------

  /**
   * Whether `id` went through {@link applyVerified} lately (a change feed
   * reporting it again, e.g. this process's own write: nothing to do).
   */
  wasApplied(id: Id): boolean {
    return this.#applied?.has(id) ?? false
  }

  /** From now on, remember the ids {@link applyVerified} takes in, for {@link wasApplied} (a change feed is followed). */
  trackApplied(): void {
    this.#applied ??= new Set()
  }

  /**
   * Whether an entry with main parents `parents` extends the loaded head of
   * `tree` (every parent a current tip: then it is new here, and
   * {@link applyVerified} takes it in place); `undefined` when the head is
   * not loaded (it will be read from the backend, which has the entry).
   */
  extendsHead(tree: Id, parents: readonly Id[]): boolean | undefined {
    const head = this.#heads.get(tree)
    if (head === undefined) return undefined
    return parents.length > 0 && parents.every((p) => head.tips.includes(p))
  }

  /**
   * Reloads the head of `tree` from the backend on next use (an entry arrived
   * that does not extend it, or was already taken in), keeping its kept
   * states in the cache as the states at their tips, so nothing is refolded.
   */
  reload(tree: Id): void {
    const head = this.#heads.get(tree)
    if (head !== undefined)
      head.stores.forEach((sh, store) => sh.kept.forEach((kept, typeId) => this.#cache.set(this.#key(typeId, store, kept.tips, kept.cut), kept.state)))
    this.#heads.delete(tree)
    this.#risks.delete(tree)
    this.#epochs.set(tree, this.#epoch(tree) + 1)
  }

  /** Forgets everything known about a database (e.g. after entries changed status outside the engine). */
  forget(tree: Id): void {
    this.#heads.delete(tree)
    this.#cutMarks.delete(tree)
    this.#registrations.delete(tree)
    this.#risks.delete(tree)
    this.#epochs.set(tree, this.#epoch(tree) + 1)
  }
}

const cacheKey = (typeId: string, store: string, tips: readonly Id[]): string => `${typeId}\u0000${store}\u0000${tipsKey(tips)}`

function deltaFor(deltas: readonly StagedDelta[], name: string): StagedDelta | undefined {
  for (let i = 0; i < deltas.length; i++) if (deltas[i]!.name === name) return deltas[i]
  return undefined
}

/**
 * Counts the auth names a verified entry writes into `risk`; returns them
 * (`[]`: it replaces `auth` whole), or `undefined` when it writes none.
 */
function countAuthWrites(risk: CutRisk, id: Id, entry: Entry): string[] | undefined {
  const node = subtreeOf(entry, SETTINGS)
  if (node?.data === undefined) return undefined
  const written = authNamesWritten(node.data)
  if (written === undefined) return undefined
  const root = entry.tree.parents.length === 0
  const names = written.replaceAll && !root ? [...written.names, ALL_NAMES] : written.names
  for (const name of names) {
    let ids = risk.writers.get(name)
    if (ids === undefined) risk.writers.set(name, (ids = []))
    if (!ids.includes(id)) ids.push(id)
    if (ids.length > 1 || name === ALL_NAMES) risk.risky = true
  }
  return written.replaceAll && !root ? [] : written.names
}

/** The entry's node for store `name`, if it writes it (an indexed loop: runs for every applied entry). */
function subtreeOf(entry: Entry, name: string): Entry['subtrees'][number] | undefined {
  const subtrees = entry.subtrees
  for (let i = 0; i < subtrees.length; i++) if (subtrees[i]!.name === name) return subtrees[i]
  return undefined
}

/** Records the `_index` registrations of an entry; returns the names it registers. */
function countRegistrations(regs: Registrations, id: Id, entry: Entry): string[] | undefined {
  const node = subtreeOf(entry, INDEX_STORE)
  if (node?.data === undefined) return undefined
  let delta: Doc
  try {
    delta = Doc.decode(node.data)
  } catch {
    return undefined
  }
  const names: string[] = []
  for (const name of delta.keys()) {
    const type = registeredType(delta, name)
    if (type === undefined) continue
    let byEntry = regs.get(name)
    if (byEntry === undefined) regs.set(name, (byEntry = new Map()))
    byEntry.set(id, type)
    names.push(name)
  }
  return names
}

/**
 * Entries of a store's history (in the DAG order) that wrote it under
 * another type than its first registration: each entry's type is the one
 * of the first registration in its own store history (itself included).
 */
function lostRegistration(history: readonly Entry[], ids: readonly Id[], store: string, regs: Map<Id, string>, cut: Cut): Set<Id> {
  const firstAt = new Map<Id, number>()
  let winner = -1
  const lost = new Set<Id>()
  const atOf: number[] = []
  for (let i = 0; i < history.length; i++) {
    const id = ids[i]!
    let first = regs.has(id) && !cut.skipped.has(id) ? i : Infinity
    for (const p of storeParents(history[i]!, store)) first = Math.min(first, firstAt.get(p) ?? Infinity)
    firstAt.set(id, first)
    atOf.push(first)
    if (first !== Infinity && (winner === -1 || first < winner)) winner = first
  }
  if (winner === -1) return lost
  const type = regs.get(ids[winner]!)
  for (let i = 0; i < history.length; i++) {
    const at = atOf[i]!
    if (at !== Infinity && regs.get(ids[at]!) !== type) lost.add(ids[i]!)
  }
  return lost
}

/** The entry's parents in `store`'s DAG. */
export function storeParents(entry: Entry, store: string): Id[] {
  for (const node of entry.subtrees) if (node.name === store) return node.parents
  return []
}

/** Lays the entry's data for `store` over `state`; data that does not decode changes nothing (the same on every replica). */
function absorbData(crdt: StoreCrdt<unknown>, state: unknown, entry: Entry, store: string): unknown {
  for (const node of entry.subtrees) {
    if (node.name !== store) continue
    if (node.data === undefined) return state
    let delta: unknown
    try {
      delta = crdt.decode(node.data)
    } catch {
      return state
    }
    return fold(crdt, state, delta)
  }
  return state
}

/** `delta` laid over `state`: a new state when the type has a persistent `merge`, else `state` changed in place. */
function fold(crdt: StoreCrdt<unknown>, state: unknown, delta: unknown): unknown {
  return crdt.merge !== undefined ? crdt.merge(state, delta) : crdt.absorb(state, delta)
}

/** A state no later fold changes: the state itself when the type folds persistently (`merge`), else a copy. */
function snapshot(crdt: StoreCrdt<unknown>, state: unknown): unknown {
  return crdt.merge !== undefined ? state : crdt.clone(state)
}
