/**
 * @module
 * Shared helpers of the conformance cases: backend lifecycle, DAG builders,
 * expected-order helpers and error assertions.
 */
import { expect } from 'vitest'
import type { Backend } from '../backend.js'
import type { Entry, Id, VerificationStatus } from '../entry.js'
import { makeEntry, makeRoot, type Fixture, type StoreSpec } from './fixtures.js'
import type { ConformanceOptions } from './suite.js'

/** Wraps a case body: a fresh backend from `create`, torn down afterwards. */
export type WithBackend = (body: (backend: Backend) => Promise<void>) => () => Promise<void>

/** Another fresh backend of the same kind inside one case, with its own disposal. */
export type FreshBackend = () => Promise<{ backend: Backend; dispose: () => Promise<void> }>

export function freshFrom<B extends Backend>(options: ConformanceOptions<B>): FreshBackend {
  return async () => {
    const backend = await options.create()
    return { backend, dispose: async () => options.teardown?.(backend) }
  }
}

export function withBackendFrom<B extends Backend>(options: ConformanceOptions<B>): WithBackend {
  return (body) => async () => {
    const backend = await options.create()
    try {
      await body(backend)
    } finally {
      await options.teardown?.(backend)
    }
  }
}

/** One DAG row: name, main parents, and the entry's parents in store `s` (`null`: no `s` node). */
export type Row = readonly [name: string, parents: readonly string[], storeParents?: readonly string[] | null]

/** A small database built from rows; the first row is the root (no parents). */
export interface Dag {
  root: Fixture
  /** The fixture of a row. */
  f(name: string): Fixture
  /** The id of a row. */
  id(name: string): Id
  /** Every fixture, in row order (parents before children). */
  all: Fixture[]
}

/** The store every DAG row with store parents takes part in. */
export const S = 's'

export function dag(rows: readonly Row[], seed: string | number = 'dag'): Dag {
  const byName = new Map<string, Fixture>()
  const all: Fixture[] = []
  const [first, ...rest] = rows
  if (!first) throw new Error('dag needs a root row')
  const rootStores: Record<string, StoreSpec> = first[2] === undefined || first[2] === null ? {} : { [S]: { data: first[0] } }
  const root = makeRoot(seed, rootStores)
  byName.set(first[0], root)
  all.push(root)
  const id = (name: string): Id => {
    const f = byName.get(name)
    if (!f) throw new Error(`dag: unknown row ${name}`)
    return f.id
  }
  for (const [name, parents, storeParents] of rest) {
    const stores: Record<string, StoreSpec> =
      storeParents === undefined || storeParents === null ? {} : { [S]: { parents: storeParents.map(id), data: name } }
    const fx = makeEntry(root.id, parents.map(id), stores, `${String(seed)}:${name}`)
    byName.set(name, fx)
    all.push(fx)
  }
  return { root, f: (name) => byName.get(name)!, id, all }
}

/**
 * The diamond of data-layer §6: R→A→B→C, R→E→F, D with parents {C, F};
 * every entry also in store `s` with the same links.
 * Heights: R 0, A 1, E 1, B 2, F 2, C 3, D 4.
 */
export function diamond(seed: string | number = 'diamond'): Dag {
  return dag(
    [
      ['R', [], []],
      ['A', ['R'], ['R']],
      ['B', ['A'], ['A']],
      ['C', ['B'], ['B']],
      ['E', ['R'], ['R']],
      ['F', ['E'], ['E']],
      ['D', ['C', 'F'], ['C', 'F']],
    ],
    seed,
  )
}

export const DIAMOND_HEIGHTS: Record<string, number> = { R: 0, A: 1, E: 1, B: 2, F: 2, C: 3, D: 4 }

/** Puts every fixture, one after another, with `status`. */
export async function putAll(b: Backend, fixtures: readonly Fixture[], status: VerificationStatus = 'verified'): Promise<void> {
  for (const f of fixtures) await b.put(f.id, f.entry, status)
}

/** Ids of the named rows sorted by (height, id), heights given. */
export function ordered(d: Dag, names: readonly string[], heights: Record<string, number>): Id[] {
  return names
    .map((n) => ({ id: d.id(n), h: heights[n]! }))
    .sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((x) => x.id)
}

/** Ids of entries (recomputed from the returned entries by matching fixtures). */
export function idsOf(d: Dag, entries: readonly Entry[]): Id[] {
  const byText = new Map(d.all.map((f) => [JSON.stringify(f.entry), f.id]))
  return entries.map((e) => byText.get(JSON.stringify(e)) ?? '<unknown entry>')
}

/** Asserts that `promise` rejects with an error carrying `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown
  try {
    await promise
  } catch (err) {
    caught = err
  }
  expect(caught, `expected a rejection with code ${code}`).toBeDefined()
  expect((caught as { code?: unknown }).code).toBe(code)
}

/** Asserts that `promise` rejects with a TypeError or RangeError. */
export async function expectArgumentError(promise: Promise<unknown>): Promise<void> {
  let caught: unknown
  try {
    await promise
  } catch (err) {
    caught = err
  }
  expect(caught instanceof TypeError || caught instanceof RangeError, `expected TypeError/RangeError, got ${String(caught)}`).toBe(true)
}

/** A deterministic shuffle (mulberry32), so failures reproduce. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/**
 * Every graph answer for a DAG, as one comparable value: tips, store tips,
 * heights, walks, LCAs of every pair and paths between every pair in store `s`.
 */
export async function graphAnswers(b: Backend, d: Dag): Promise<unknown> {
  const tree = d.root.id
  const inStore = d.all.filter((f) => f.entry.subtrees.some((s) => s.name === S)).map((f) => f.id)
  const settle = async <T>(p: Promise<T>): Promise<T | string> => p.catch((e: { code?: string }) => `error:${e.code}`)
  const out: Record<string, unknown> = {
    tips: await b.getTips(tree),
    storeTips: await b.getStoreTips(tree, S),
    tree: await b.getTree(tree),
    store: await b.getStore(tree, S),
    heights: await Promise.all(d.all.map((f) => settle(b.getHeight(tree, f.id)))),
    fromTips: await Promise.all(d.all.map((f) => settle(b.getTreeFromTips(tree, [f.id])))),
    storeFromTips: await Promise.all(d.all.map((f) => settle(b.getStoreFromTips(tree, S, [f.id])))),
    upTo: await Promise.all(d.all.map((f) => settle(b.getStoreTipsUpTo(tree, S, [f.id])))),
  }
  const pairs: unknown[] = []
  for (const x of inStore)
    for (const y of inStore) pairs.push([await settle(b.findLca(tree, S, [x, y])), await settle(b.getPathFromTo(tree, S, x, [y]))])
  out.pairs = pairs
  return out
}
