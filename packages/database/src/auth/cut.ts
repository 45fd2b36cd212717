/**
 * @module
 * The revocation cut (DECISIONS 18): which entries of a history a fold
 * skips because they relied on authority a concurrent reduction removed,
 * and which auth values win where a weaker key's concurrent change would
 * otherwise override a stronger key's.
 *
 * A pure function of the history (entries in the one DAG order): replicas
 * with the same entries compute the same cut. The rules:
 * - A reduction V (an auth value of a name deleted, revoked, given another
 *   public key, a weaker permission, or a changed delegation) skips every
 *   entry concurrent with V (neither in V's past nor its future) signed
 *   under that name whose need the new value does not meet.
 * - Reductions apply strongest author first (priority, then DAG order); one
 *   whose author or entry was skipped by a stronger one has none; equal
 *   authors in one group do not skip each other (mutual revocation: both
 *   hold). A grant of the name concurrent with V by a strictly stronger
 *   author suppresses V's reduction of it.
 * - Authority that came from a skipped entry is void: an entry whose signer
 *   no longer holds what it needs in the auth folded from its past (with
 *   the skipped entries left out) is skipped too.
 * - For each auth name, among the concurrent last writes the strongest
 *   author wins (a reduction beats a grant of equal strength, then the DAG
 *   order); where that differs from the plain fold, the cut carries the
 *   winning value as an override.
 *
 * Cost: O(r·n) for r reductions over n entries, plus small per-auth-entry
 * work; histories without two writes of one auth name never get here.
 */
import type { Id } from '@engram/backend-api'
import type { JsonValue } from '../crdt/index.js'
import { InvalidSettingsError } from '../errors.js'
import { entryStrength, parseAuthEntry, WILDCARD, type AuthEntry } from './auth-key.js'
import { Permission } from './permission.js'
import { jsonEqual } from './priority.js'

/** The auth names an entry's `_settings` change writes. */
export interface AuthWrite {
  /** It replaces the whole `auth` (every name it does not list is deleted). */
  readonly replaceAll: boolean
  /** Name → new value (`undefined`: deleted). */
  readonly values: ReadonlyMap<string, JsonValue | undefined>
}

/** What the cut needs to know of one entry. */
export interface CutEntry {
  readonly id: Id
  /** Main parents. */
  readonly parents: readonly Id[]
  /** The auth name it signs under (a delegation path: its first step); `undefined` when unreadable. */
  readonly signer: string | undefined
  /** `sig.pubkey` (for `*` signatures). */
  readonly sigPubkey: string | undefined
  /** Holds a `_settings` node (a settings change needs Admin). */
  readonly settings: boolean
  /** Its auth writes, if any. */
  readonly auth: AuthWrite | undefined
}

/** What a fold leaves out. */
export interface Cut {
  /** Entries whose data (in every store) and settings changes do not count. */
  readonly skipped: ReadonlySet<Id>
  /** Auth values to lay over the folded settings (`undefined`: deleted). */
  readonly overrides: ReadonlyMap<string, JsonValue | undefined>
  /** `''` for the empty cut; else a string naming this cut exactly. */
  readonly key: string
}

/** The cut of a history without reductions or concurrent auth writes. */
export const NO_CUT: Cut = Object.freeze({ skipped: new Set<Id>(), overrides: new Map<string, JsonValue | undefined>(), key: '' })

const NO_POSITIONS: readonly number[] = []
const WEAKEST_WRITE = Permission.write(0xffffffff)
const WEAKEST_ADMIN = Permission.admin(0xffffffff)
const ROOT_AUTHOR = Permission.admin(0)

function parse(name: string, value: JsonValue | undefined): AuthEntry | undefined {
  if (value === undefined) return undefined
  try {
    return parseAuthEntry(name, value)
  } catch (err) {
    if (err instanceof InvalidSettingsError) return undefined
    throw err
  }
}

/** Whether changing a name's value from `before` to `after` takes authority away. */
export function isReduction(name: string, before: JsonValue | undefined, after: JsonValue | undefined): boolean {
  if (before === undefined) return false
  const b = parse(name, before)
  if (b === undefined) return false // a malformed value conferred nothing
  if (after === undefined) return true
  const a = parse(name, after)
  if (a === undefined || a.kind !== b.kind) return true
  if (a.kind === 'delegation' || b.kind === 'delegation') return !jsonEqual(before, after)
  if (b.key.status !== 'active') return false
  return a.key.status !== 'active' || a.key.pubkey !== b.key.pubkey || Permission.compare(a.key.permission, b.key.permission) < 0
}

interface Winner {
  /** DAG position of the write. */
  readonly pos: number
  readonly value: JsonValue | undefined
}

type AuthMap = ReadonlyMap<string, Winner>

function makeCut(skipped: ReadonlySet<Id>, overrides: ReadonlyMap<string, JsonValue | undefined>): Cut {
  if (skipped.size === 0 && overrides.size === 0) return NO_CUT
  const key = JSON.stringify([[...skipped].sort(), [...overrides].map(([n, v]) => [n, v ?? null, v === undefined])])
  return { skipped, overrides, key }
}

/**
 * The cut after an entry that has the whole history in its past (a linear
 * step) and writes auth names `names` (`'all'`: it replaces `auth`): it
 * skips nothing and nothing skips it; its writes win, so the overrides of
 * those names end. The same cut when it writes none of them.
 */
export function afterLinearStep(cut: Cut, names: readonly string[] | 'all'): Cut {
  if (cut.overrides.size === 0) return cut
  const ends = names === 'all' ? [...cut.overrides.keys()] : names.filter((n) => cut.overrides.has(n))
  if (ends.length === 0) return cut
  const overrides = new Map(cut.overrides)
  for (const n of ends) overrides.delete(n)
  return makeCut(cut.skipped, overrides)
}

/** Computes the cut of `history` (every entry of a database up to some tips, in the one DAG order). */
export function computeCut(history: readonly CutEntry[]): Cut {
  return new CutComputation(history).run()
}

/**
 * A computed cut that can take further entries without starting over: a
 * new entry that writes no auth changes nobody else's fate, only its own
 * (it may be concurrent with a reduction of its signer's name, or rely on
 * voided authority). `extend` answers that in O(reductions); an auth entry
 * gives `undefined` (compute the cut again).
 */
export class IncrementalCut {
  readonly #c: CutComputation
  #cut: Cut

  constructor(history: readonly CutEntry[]) {
    this.#c = new CutComputation(history)
    this.#cut = this.#c.run()
  }

  get cut(): Cut {
    return this.#cut
  }

  /** The cut once `entry` (whose parents are in the history) is added; `undefined` when it writes auth. */
  extend(entry: CutEntry): Cut | undefined {
    if (entry.auth !== undefined) return undefined
    const skipped = this.#c.extend(entry)
    if (skipped === undefined) return undefined
    if (skipped) this.#cut = makeCut(new Set([...this.#cut.skipped, entry.id]), this.#cut.overrides)
    return this.#cut
  }
}

/** A reduction that took effect: `name` of auth entry `v` became `after`. */
interface Effective {
  readonly v: number
  readonly name: string
  readonly after: JsonValue | undefined
}

class CutComputation {
  readonly #h: CutEntry[]
  readonly #pos = new Map<Id, number>()
  /** Positions of auth entries (the root included when it sets auth), ascending. */
  readonly #authPositions: number[] = []
  /** Per entry: the auth entries among its strict ancestors (ascending; arrays shared). */
  readonly #authPast: (readonly number[])[] = []
  readonly #authPastSet = new Map<readonly number[], ReadonlySet<number>>()
  readonly #universe = new Set<string>()
  readonly #skipped: number[]
  readonly #effective: Effective[] = []
  readonly #withSelf = new Map<number, readonly number[]>()
  readonly #interned = new Map<string, readonly number[]>()
  /** Memo of auth maps per ancestor set, for the empty cut and for the current one. */
  readonly #baseMemo = new Map<readonly number[], AuthMap>()
  #memo = new Map<readonly number[], AuthMap>()
  readonly #baseAuthor = new Map<number, Permission | undefined>()
  #author = new Map<number, Permission | undefined>()
  readonly #pastMarks = new Map<number, Uint8Array>()

  constructor(history: readonly CutEntry[]) {
    this.#h = [...history]
    this.#skipped = new Array<number>(history.length).fill(0)
    history.forEach((e, i) => this.#pos.set(e.id, i))
    for (let i = 0; i < history.length; i++) this.#place(i)
  }

  /** Files entry `i`: its auth ancestors, and itself if it writes auth. */
  #place(i: number): void {
    const e = this.#h[i]!
    const parents = e.parents.map((p) => this.#pos.get(p)).filter((p): p is number => p !== undefined && p < i)
    let past: readonly number[]
    if (parents.length === 0) past = NO_POSITIONS
    else if (parents.length === 1) past = this.#through(parents[0]!)
    else {
      const all = new Set<number>()
      for (const p of parents) for (const a of this.#through(p)) all.add(a)
      const sorted = [...all].sort((a, b) => a - b)
      const key = sorted.join(',')
      past = this.#interned.get(key) ?? sorted
      this.#interned.set(key, past)
    }
    this.#authPast[i] = past
    if (e.auth !== undefined) {
      this.#authPositions.push(i)
      for (const name of e.auth.values.keys()) this.#universe.add(name)
    }
  }

  #through(p: number): readonly number[] {
    let arr = this.#withSelf.get(p)
    if (arr === undefined) {
      arr = this.#h[p]!.auth === undefined ? this.#authPast[p]! : [...this.#authPast[p]!, p]
      this.#withSelf.set(p, arr)
    }
    return arr
  }

  /**
   * Adds a data entry (no auth writes) after the computation ran; whether
   * it is skipped, or `undefined` when a parent is not in the history. Its
   * position is past every entry: only auth entries' positions matter to
   * the rules, and nothing existing descends from a new entry.
   */
  extend(entry: CutEntry): boolean | undefined {
    if (entry.parents.some((p) => !this.#pos.has(p))) return undefined
    const e = this.#h.length
    this.#h.push(entry)
    this.#pos.set(entry.id, e)
    this.#skipped.push(0)
    this.#place(e)
    if (entry.parents.length === 0 || entry.signer === undefined) return false
    // The same two rules as a full computation applies to a data entry: a
    // reduction that took effect, concurrent with it; then its signer's value
    // in its past with the final skipped set.
    const past = this.#set(this.#authPast[e]!)
    const then = this.#mapAt(this.#authPast[e]!, true).get(entry.signer)
    for (const r of this.#effective) {
      if (r.name !== entry.signer || past.has(r.v)) continue
      if (!this.#permits(e, r.name, r.after, then?.value)) {
        this.#skipped[e] = 1
        return true
      }
    }
    const now = this.#mapAt(this.#authPast[e]!, false).get(entry.signer)
    if (now?.pos !== then?.pos && !this.#permits(e, entry.signer, now?.value, then?.value)) {
      this.#skipped[e] = 1
      return true
    }
    return false
  }

  run(): Cut {
    const reductions = this.#authPositions.filter((v) => this.#h[v]!.parents.length > 0 && this.#reducedNames(v, true).length > 0)
    if (reductions.length > 0) {
      const strength = (v: number) => this.#authorOf(v, true) ?? Permission.read()
      reductions.sort((a, b) => Permission.compare(strength(b), strength(a)) || a - b)
      for (let g = 0; g < reductions.length; ) {
        let end = g + 1
        while (end < reductions.length && Permission.compare(strength(reductions[end]!), strength(reductions[g]!)) === 0) end++
        this.#applyGroup(reductions.slice(g, end))
        g = end
      }
      this.#closure(true)
    }
    return this.#result()
  }

  // ---- the groups ----------------------------------------------------------

  #applyGroup(group: number[]): void {
    const members = group.filter((v) => !this.#skipped[v] && this.#authorized(v))
    const inGroup = new Set(members)
    const cuts: number[] = []
    for (const v of members) {
      for (const name of this.#reducedNames(v, false)) {
        if (this.#suppressed(v, name)) continue
        const after = this.#writeOf(v, name)
        this.#effective.push({ v, name, after })
        const past = this.#pastOf(v)
        for (let e = 0; e < this.#h.length; e++) {
          if (e === v || this.#skipped[e] || inGroup.has(e) || past[e] || this.#set(this.#authPast[e]!).has(v)) continue
          const entry = this.#h[e]!
          if (entry.signer !== name || entry.parents.length === 0) continue
          // The value it signed against, as the plain auth of its past holds it.
          const used = this.#mapAt(this.#authPast[e]!, true).get(name)?.value
          if (!this.#permits(e, name, after, used)) cuts.push(e)
        }
      }
    }
    for (const e of cuts) this.#skip(e)
    this.#closure(false)
  }

  /**
   * Skips every entry whose signer no longer holds what it needs once the
   * skipped entries are left out: between groups only auth entries (the
   * ones later groups and auth values depend on), at the end all.
   */
  #closure(all: boolean): void {
    for (let e = 0; e < this.#h.length; e++) {
      const entry = this.#h[e]!
      if (this.#skipped[e] || entry.parents.length === 0 || entry.signer === undefined || (!all && entry.auth === undefined)) continue
      const past = this.#authPast[e]!
      const now = this.#mapAt(past, false).get(entry.signer)
      const then = this.#mapAt(past, true).get(entry.signer)
      if (now?.pos === then?.pos) continue
      if (!this.#permits(e, entry.signer, now?.value, then?.value)) this.#skip(e)
    }
  }

  #skip(e: number): void {
    if (this.#skipped[e]) return
    this.#skipped[e] = 1
    if (this.#h[e]!.auth !== undefined) {
      this.#memo = new Map()
      this.#author = new Map()
    }
  }

  #result(): Cut {
    const skipped = new Set<Id>()
    for (let e = 0; e < this.#h.length; e++) if (this.#skipped[e]) skipped.add(this.#h[e]!.id)
    const all = this.#authPositions
    const winners = this.#mapAt(all, false)
    const overrides = new Map<string, JsonValue | undefined>()
    for (const name of [...this.#universe].sort()) {
      let last = -1
      for (const w of all) if (!this.#skipped[w] && this.#writes(w, name)) last = w
      const winner = winners.get(name)
      if (winner !== undefined && winner.pos !== last) overrides.set(name, winner.value)
    }
    return makeCut(skipped, overrides)
  }

  // ---- facts ---------------------------------------------------------------

  #set(arr: readonly number[]): ReadonlySet<number> {
    let s = this.#authPastSet.get(arr)
    if (s === undefined) this.#authPastSet.set(arr, (s = new Set(arr)))
    return s
  }

  #writes(w: number, name: string): boolean {
    const auth = this.#h[w]!.auth
    return auth !== undefined && (auth.replaceAll || auth.values.has(name))
  }

  #writeOf(w: number, name: string): JsonValue | undefined {
    return this.#h[w]!.auth?.values.get(name)
  }

  /** Names whose value `v`'s write takes authority from. */
  #reducedNames(v: number, base: boolean): string[] {
    const auth = this.#h[v]!.auth
    if (auth === undefined) return []
    const before = this.#mapAt(this.#authPast[v]!, base)
    const names = auth.replaceAll ? [...new Set([...auth.values.keys(), ...before.keys()])] : [...auth.values.keys()]
    return names.sort().filter((n) => isReduction(n, before.get(n)?.value, auth.values.get(n)))
  }

  /** The permission the author of auth entry `w` held where it wrote (`undefined`: none). */
  #authorOf(w: number, base: boolean): Permission | undefined {
    if (this.#h[w]!.parents.length === 0) return ROOT_AUTHOR
    const memo = base ? this.#baseAuthor : this.#author
    if (memo.has(w)) return memo.get(w)
    const entry = this.#h[w]!
    let perm: Permission | undefined
    if (entry.signer !== undefined) {
      const parsed = parse(entry.signer, this.#mapAt(this.#authPast[w]!, base).get(entry.signer)?.value)
      if (parsed?.kind === 'delegation') perm = parsed.ref.bounds.max
      else if (parsed?.kind === 'key' && parsed.key.status === 'active') perm = parsed.key.permission
    }
    memo.set(w, perm)
    return perm
  }

  #authorized(w: number): boolean {
    const p = this.#authorOf(w, false)
    return p !== undefined && Permission.canAdmin(p)
  }

  /** A grant of `name` concurrent with `v` by a strictly stronger author. */
  #suppressed(v: number, name: string): boolean {
    const strength = this.#authorOf(v, false) ?? Permission.read()
    const vPast = this.#set(this.#authPast[v]!)
    for (const g of this.#authPositions) {
      if (g === v || this.#skipped[g] || !this.#writes(g, name) || vPast.has(g) || this.#set(this.#authPast[g]!).has(v)) continue
      const before = this.#mapAt(this.#authPast[g]!, false).get(name)?.value
      if (isReduction(name, before, this.#writeOf(g, name))) continue
      const author = this.#authorOf(g, false)
      if (author !== undefined && Permission.compare(author, strength) > 0) return true
    }
    return false
  }

  /** What entry `e` needs from its signer: Write for data, Admin as strong as what it changes for settings. */
  #need(e: number): Permission {
    const entry = this.#h[e]!
    if (!entry.settings) return WEAKEST_WRITE
    let need = WEAKEST_ADMIN
    const auth = entry.auth
    if (auth !== undefined) {
      const before = this.#mapAt(this.#authPast[e]!, true)
      const names = auth.replaceAll ? new Set([...auth.values.keys(), ...before.keys()]) : auth.values.keys()
      for (const name of names) {
        for (const value of [before.get(name)?.value, auth.values.get(name)]) {
          const parsed = parse(name, value)
          if (parsed !== undefined) need = Permission.max(need, entryStrength(parsed))
        }
      }
    }
    return need
  }

  /** Whether auth value `value` of `name` still lets entry `e` (which signed against `used`) do what it did. */
  #permits(e: number, name: string, value: JsonValue | undefined, used: JsonValue | undefined): boolean {
    const now = parse(name, value)
    if (now === undefined) return false
    if (now.kind === 'delegation') return jsonEqual(value, used)
    if (now.key.status !== 'active') return false
    if (name !== WILDCARD) {
      const was = parse(name, used)
      if (was?.kind !== 'key' || was.key.pubkey !== now.key.pubkey) return false
    }
    return Permission.compare(now.key.permission, this.#need(e)) >= 0
  }

  /** Marks of the strict ancestors of `v`. */
  #pastOf(v: number): Uint8Array {
    let marks = this.#pastMarks.get(v)
    if (marks !== undefined) return marks
    marks = new Uint8Array(this.#h.length)
    const stack = [v]
    while (stack.length > 0) {
      const e = stack.pop()!
      for (const p of this.#h[e]!.parents) {
        const i = this.#pos.get(p)
        if (i === undefined || marks[i]) continue
        marks[i] = 1
        stack.push(i)
      }
    }
    this.#pastMarks.set(v, marks)
    return marks
  }

  /**
   * The auth folded from the auth entries `arr` (a set closed under
   * ancestry): per name, among the writes no other write of it descends
   * from, the strongest author's (a reduction first, then the later in the
   * DAG order). `base`: as if nothing were skipped.
   */
  #mapAt(arr: readonly number[], base: boolean): AuthMap {
    const memo = base ? this.#baseMemo : this.#memo
    let map = memo.get(arr)
    if (map !== undefined) return map
    const out = new Map<string, Winner>()
    const live = base ? arr : arr.filter((w) => !this.#skipped[w])
    for (const name of this.#universe) {
      const writers = live.filter((w) => this.#writes(w, name))
      if (writers.length === 0) continue
      const frontier = writers.filter((w) => !writers.some((d) => d !== w && this.#set(this.#authPast[d]!).has(w)))
      let best: number | undefined
      let bestRank: [Permission, number] | undefined
      for (const w of frontier) {
        const before = this.#mapAt(this.#authPast[w]!, base).get(name)?.value
        const rank: [Permission, number] = [this.#authorOf(w, base) ?? Permission.read(), isReduction(name, before, this.#writeOf(w, name)) ? 1 : 0]
        if (
          best === undefined ||
          Permission.compare(rank[0], bestRank![0]) > 0 ||
          (Permission.compare(rank[0], bestRank![0]) === 0 && (rank[1] > bestRank![1] || (rank[1] === bestRank![1] && w > best)))
        ) {
          best = w
          bestRank = rank
        }
      }
      const value = this.#writeOf(best!, name)
      // A replace-all write that does not list the name deletes it.
      out.set(name, { pos: best!, value })
    }
    memo.set(arr, (map = out))
    return map
  }
}
