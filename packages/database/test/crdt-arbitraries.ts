/**
 * fast-check generators for the Doc CRDT property tests.
 *
 * Two kinds of Docs: `wireDoc` builds arbitrary Docs from the wire form
 * (every combination of flags, tombstones, kind clashes, shared list
 * positions), and `Op` sequences build Docs the way users do. Ids come
 * from a counter (see `withCounterIds`) so that runs are reproducible.
 */
import fc from 'fast-check'
import { Doc, type JsonValue } from '../src/crdt/index.js'
import { comparePositions, parseDyadic, setIdSource, type Position } from '../src/crdt/position.js'

/** Runs `fn` with ids counting up from `start + 1` instead of random ones. */
export function withCounterIds<T>(fn: () => T, start = 0): T {
  let next = start
  setIdSource(() => (++next).toString(16).padStart(16, '0'))
  try {
    return fn()
  } finally {
    setIdSource(null)
  }
}

// ---- wire-form Docs --------------------------------------------------------

const KEYS = ['a', 'b', 'c', 'd.e']
const NUMBERS = ['-1', '0', '1p-1', '1', '3p-2']
const IDS = ['00000000000000aa', '00000000000000bb', '00000000000000cc']

type Wire = null | boolean | number | string | { [k: string]: unknown }

const scalar: fc.Arbitrary<Wire> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -2, max: 2 }),
  fc.constantFrom('x', 'y'),
)
const tombstone: fc.Arbitrary<Wire> = fc.constant({ deleted: true })
const step = fc.tuple(fc.constantFrom(...NUMBERS), fc.constantFrom(...IDS))
const position = fc.array(step, { minLength: 1, maxLength: 2 })

const toPosition = (steps: [string, string][]): Position =>
  steps.map(([n, id]) => ({ n: parseDyadic(n)!, id }))

const flagged = (body: Record<string, unknown>, replace: boolean): Wire => (replace ? { ...body, replace: true } : body)

const { doc: wireDocNode } = fc.letrec<{ node: Wire; doc: Wire; list: Wire }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', maxDepth: 4 }, scalar, tombstone, tie('doc'), tie('list')),
  doc: fc
    .tuple(fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 4 }), fc.boolean())
    .map(([children, replace]) => flagged({ doc: children }, replace)),
  list: fc
    .tuple(fc.array(fc.tuple(position, tie('node')), { maxLength: 4 }), fc.boolean())
    .map(([items, replace]) => {
      const byPos = new Map<string, { pos: Position; steps: [string, string][]; value: Wire }>()
      for (const [steps, value] of items) byPos.set(JSON.stringify(steps), { pos: toPosition(steps), steps, value })
      const sorted = [...byPos.values()].sort((x, y) => comparePositions(x.pos, y.pos))
      return flagged({ list: sorted.map((i) => [...i.steps.flat(), i.value]) }, replace)
    }),
}))

/** Arbitrary Docs, built from random wire form through `Doc.decode`. */
export const wireDoc: fc.Arbitrary<Doc> = wireDocNode.map((w) => Doc.decode(JSON.stringify(w)))

/** Arbitrary Docs whose top level has no replace flag (what stores hold). */
export const plainTopWireDoc: fc.Arbitrary<Doc> = wireDoc.map((d) => {
  d._replace = false
  return d
})

// ---- Docs built by operations ----------------------------------------------

const value: fc.Arbitrary<JsonValue> = fc.oneof(
  { depthSize: 'small', maxDepth: 2 },
  fc.integer({ min: 0, max: 9 }),
  fc.constantFrom('p', 'q', null, true),
  fc.constant({}),
  fc.dictionary(fc.constantFrom('a', 'b', 'l'), fc.integer({ min: 0, max: 9 }), { maxKeys: 2 }),
  fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }),
  fc.constant<JsonValue>({ l: [1, 2] }),
)
const key = fc.constantFrom('a', 'b', 'l', 'a.b')
const path = fc.constantFrom('a', 'b', 'l', 'a.b', 'a.l', 'a.b.c', 'b.l', 'l.0')
const listPath = fc.constantFrom('l', 'a.l', 'b.l', 'a.b')

/** One user operation on a Doc. */
export type Op =
  | { t: 'set'; key: string; value: JsonValue }
  | { t: 'setPath'; path: string; value: JsonValue }
  | { t: 'delete'; key: string }
  | { t: 'deletePath'; path: string }
  | { t: 'push'; path: string; value: JsonValue }
  | { t: 'insert'; path: string; index: number; value: JsonValue }
  | { t: 'listSet'; path: string; index: number; value: JsonValue }
  | { t: 'remove'; path: string; index: number }

/** Operations that do not touch lists in place: a Doc made of them is a plain delta. */
export const mapOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('set' as const), key, value }),
  fc.record({ t: fc.constant('setPath' as const), path, value }),
  fc.record({ t: fc.constant('delete' as const), key }),
  fc.record({ t: fc.constant('deletePath' as const), path }),
)

const array = fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 })
const makeList: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('set' as const), key: fc.constant('l'), value: array }),
  fc.record({ t: fc.constant('setPath' as const), path: fc.constantFrom('a.l', 'b.l'), value: array }),
)

/** Any operation, list edits in place included. */
export const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: mapOp },
  { weight: 1, arbitrary: makeList },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('push' as const), path: listPath, value }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('insert' as const), path: listPath, index: fc.nat(9), value }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('listSet' as const), path: listPath, index: fc.nat(9), value }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('remove' as const), path: listPath, index: fc.nat(9) }) },
)

/** Applies one operation (list edits only where a list is, at a valid index). */
export function apply(doc: Doc, o: Op): Doc {
  switch (o.t) {
    case 'set':
      return doc.set(o.key, o.value)
    case 'setPath':
      return doc.setPath(o.path, o.value)
    case 'delete':
      return doc.delete(o.key)
    case 'deletePath':
      return doc.deletePath(o.path)
    default: {
      const list = doc.getList(o.path)
      if (list === undefined) return doc
      if (o.t === 'push') list.push(o.value)
      else if (o.t === 'insert') list.insert(o.index % (list.length + 1), o.value)
      else if (list.length > 0 && o.t === 'listSet') list.set(o.index % list.length, o.value)
      else if (list.length > 0 && o.t === 'remove') list.remove(o.index % list.length)
      return doc
    }
  }
}

export const applyAll = (doc: Doc, ops: readonly Op[]): Doc => ops.reduce(apply, doc)

/**
 * How a Doc is made from a shared seed: from scratch (a delta of map
 * operations) or as the diff of edits made on a copy of the seed.
 */
export interface Recipe {
  fromSeed: boolean
  ops: Op[]
}
export const recipe: fc.Arbitrary<Recipe> = fc.record({
  fromSeed: fc.boolean(),
  ops: fc.array(op, { maxLength: 8 }),
})

export function build(seed: Doc, r: Recipe): Doc {
  if (!r.fromSeed) return applyAll(new Doc(), r.ops)
  return applyAll(seed.clone(), r.ops).diff(seed)
}
