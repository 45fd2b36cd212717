import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Doc, type JsonValue } from '../src/crdt/index.js'
import {
  apply,
  applyAll,
  build,
  mapOp,
  op,
  plainTopWireDoc,
  recipe,
  wireDoc,
  withCounterIds,
  type Recipe,
} from './crdt-arbitraries.js'

const RUNS = { numRuns: 300 }

const same = (x: Doc, y: Doc): void => {
  if (!x.equals(y)) expect(x.encode()).toBe(y.encode()) // shows the difference
  expect(x.equals(y)).toBe(true)
}

describe('merge algebra over arbitrary Docs (every flag, tombstone and kind clash)', () => {
  it('is associative', () => {
    fc.assert(
      fc.property(wireDoc, wireDoc, wireDoc, (a, b, c) => {
        same(a.merge(b).merge(c), a.merge(b.merge(c)))
      }),
      RUNS,
    )
  })

  it('is idempotent: a∘a = a and a∘b∘b = a∘b', () => {
    fc.assert(
      fc.property(wireDoc, wireDoc, (a, b) => {
        same(a.merge(a), a)
        same(a.merge(b).merge(b), a.merge(b))
      }),
      RUNS,
    )
  })

  it('has the empty Doc as identity on both sides', () => {
    fc.assert(
      fc.property(wireDoc, (a) => {
        same(new Doc().merge(a), a)
        same(a.merge(new Doc()), a)
      }),
      RUNS,
    )
  })

  it('absorb equals merge and changes neither its argument nor earlier results', () => {
    fc.assert(
      fc.property(wireDoc, wireDoc, wireDoc, (a, b, c) => {
        const [ea, eb, ec] = [a.encode(), b.encode(), c.encode()]
        const merged = a.merge(b)
        const em = merged.encode()
        const state = a.clone().absorb(b)
        same(state, merged)
        state.absorb(c)
        same(state, merged.merge(c))
        expect([a.encode(), b.encode(), c.encode(), merged.encode()]).toEqual([ea, eb, ec, em])
      }),
      RUNS,
    )
  })

  it('round-trips through encode/decode exactly', () => {
    fc.assert(
      fc.property(wireDoc, (a) => {
        const text = a.encode()
        const back = Doc.decode(text)
        same(back, a)
        expect(back.encode()).toBe(text)
      }),
      RUNS,
    )
  })

  it('reads of a merge show b wherever b holds a live scalar, and never tombstones', () => {
    fc.assert(
      fc.property(plainTopWireDoc, plainTopWireDoc, (a, b) => {
        const m = a.merge(b)
        for (const k of b.keys()) {
          const v = b.get(k)
          if (v === null || typeof v !== 'object') expect(m.get(k)).toBe(v)
        }
        for (const k of m._children.keys()) if (b.isTombstone(k)) expect(m.has(k)).toBe(false)
        expect(JSON.stringify(m.toJSON())).not.toContain('deleted')
      }),
      RUNS,
    )
  })
})

describe('Docs built by operations', () => {
  const trio = fc.record({ seedOps: fc.array(op, { maxLength: 8 }), a: recipe, b: recipe, c: recipe })

  it('merge is associative and idempotent', () => {
    fc.assert(
      fc.property(trio, ({ seedOps, a: ra, b: rb, c: rc }) =>
        withCounterIds(() => {
          const seed = applyAll(new Doc(), seedOps)
          const [a, b, c] = [build(seed, ra), build(seed, rb), build(seed, rc)]
          same(a.merge(b).merge(c), a.merge(b.merge(c)))
          same(seed.merge(a).merge(b).merge(c), seed.merge(a.merge(b).merge(c)))
          same(a.merge(a), a)
          same(seed.merge(a).merge(a), seed.merge(a))
          const text = seed.merge(a).merge(b).encode()
          expect(Doc.decode(text).encode()).toBe(text)
        }),
      ),
      RUNS,
    )
  })

  it('applying a change to a state equals merging that change made on an empty Doc', () => {
    // What lets the engine keep a transaction's changes as a separate Doc.
    fc.assert(
      fc.property(fc.array(op, { maxLength: 10 }), fc.array(mapOp, { minLength: 1, maxLength: 4 }), (stateOps, change) =>
        withCounterIds(() => {
          const state = applyAll(new Doc(), stateOps)
          // The same fresh ids on both sides, so that arrays get the same positions.
          const direct = withCounterIds(() => applyAll(state.clone(), change), 1e6)
          const delta = withCounterIds(() => applyAll(new Doc(), change), 1e6)
          same(direct, state.merge(delta))
        }),
      ),
      RUNS,
    )
  })

  it('diff: base.merge(next.diff(base)) equals next', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 10 }), fc.array(op, { maxLength: 10 }), (baseOps, edits) =>
        withCounterIds(() => {
          const base = applyAll(new Doc(), baseOps)
          const next = applyAll(base.clone(), edits)
          const d = next.diff(base)
          same(base.merge(d), next)
          if (edits.length === 0) expect(d.isEmpty()).toBe(true)
        }),
      ),
      RUNS,
    )
  })

  it('plain values survive fromJSON/toJSON and set/get', () => {
    const json = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }))
    fc.assert(
      fc.property(json, (obj) => {
        const expected = JSON.parse(JSON.stringify(obj)) as { [k: string]: JsonValue }
        const d = Doc.fromJSON(obj as { [k: string]: JsonValue })
        expect(d.toJSON()).toEqual(expected)
        for (const k of Object.keys(expected)) expect(new Doc().set(k, expected[k]!).get(k)).toEqual(expected[k])
        expect(Doc.decode(d.encode()).toJSON()).toEqual(expected)
      }),
      RUNS,
    )
  })
})

// ---- convergence (DECISIONS 3) ----------------------------------------------

interface Delta {
  height: number
  id: string
  doc: Doc
}
const byOrder = (x: Delta, y: Delta): number => x.height - y.height || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)
const fold = (deltas: readonly Delta[], start = new Doc()): Doc => deltas.reduce((s, d) => s.absorb(d.doc), start)

/**
 * An engine-like replica: keeps the state after each prefix of the deltas
 * it has, in the one order; a delta that sorts before others restarts from
 * the state before it (the common ancestor) and re-folds the rest.
 */
class Replica {
  private readonly applied: Delta[] = []
  private readonly states: Doc[] = [new Doc()]

  receive(d: Delta): void {
    if (this.applied.includes(d)) return
    let at = this.applied.length
    while (at > 0 && byOrder(this.applied[at - 1]!, d) > 0) at--
    this.applied.splice(at, 0, d)
    this.states.length = at + 1
    const state = this.states[at]!.clone()
    for (let i = at; i < this.applied.length; i++) {
      state.absorb(this.applied[i]!.doc)
      this.states.push(state.clone())
    }
  }

  get state(): Doc {
    return this.states[this.states.length - 1]!
  }

  get known(): readonly Delta[] {
    return this.applied
  }
}

const scenario = fc.record({
  seedOps: fc.array(op, { maxLength: 6 }),
  salt: fc.integer({ min: 0, max: 0xffff }),
  writers: fc.array(fc.array(fc.record({ receive: fc.nat(4), recipe }), { minLength: 1, maxLength: 4 }), {
    minLength: 2,
    maxLength: 3,
  }),
  deliveries: fc.array(fc.array(fc.nat(1000), { minLength: 16, maxLength: 16 }), { minLength: 2, maxLength: 3 }),
  split: fc.nat(),
})

describe('convergence: the same deltas folded in the one DAG order give one state', () => {
  it('whatever the delivery order, by absorb or merge, whole or split at any point', () => {
    fc.assert(
      fc.property(scenario, ({ seedOps, salt, writers, deliveries, split }) =>
        withCounterIds(() => {
          const root: Delta = { height: 0, id: 'root', doc: applyAll(new Doc(), seedOps) }
          const pool: Delta[] = [root]
          const replicas = writers.map(() => new Replica())
          replicas.forEach((r) => r.receive(root))
          // Writers take turns: receive some deltas, then write one made on their view.
          const longest = Math.max(...writers.map((w) => w.length))
          for (let turn = 0; turn < longest; turn++) {
            writers.forEach((steps, w) => {
              const stepSpec = steps[turn]
              if (stepSpec === undefined) return
              const replica = replicas[w]!
              pool.filter((d) => !replica.known.includes(d)).slice(0, stepSpec.receive).forEach((d) => replica.receive(d))
              const view = replica.state
              const r: Recipe = stepSpec.recipe
              const doc = r.fromSeed ? applyAll(view.clone(), r.ops).diff(view) : build(view, r)
              const height = 1 + Math.max(...replica.known.map((d) => d.height))
              const n = pool.length
              const id = `${((n * 2654435761 + salt) >>> 0).toString(16).padStart(8, '0')}-${n}`
              const delta: Delta = { height, id, doc }
              pool.push(delta)
              replica.receive(delta)
            })
          }
          const encodings = pool.map((d) => d.doc.encode())
          const ordered = [...pool].sort(byOrder)
          const expected = fold(ordered)

          // Every delivery order converges on the same bytes.
          for (const keys of [...deliveries, pool.map((_, i) => -i)]) {
            const receiver = new Replica()
            const order = pool.map((d, i) => ({ d, k: keys[i % keys.length]! * 64 + i })).sort((x, y) => x.k - y.k)
            order.forEach(({ d }) => receiver.receive(d))
            expect(receiver.state.encode()).toBe(expected.encode())
          }
          // The writers, once they have everything, agree too.
          for (const r of replicas) {
            pool.forEach((d) => r.receive(d))
            same(r.state, expected)
          }
          // merge-folding equals absorb-folding.
          same(
            ordered.reduce((s, d) => s.merge(d.doc), new Doc()),
            expected,
          )
          // Folding a prefix, then the rest folded on its own: a∘(b∘c).
          const k = split % (ordered.length + 1)
          same(fold(ordered.slice(0, k)).absorb(fold(ordered.slice(k))), expected)
          // No delta was changed by being folded.
          expect(pool.map((d) => d.doc.encode())).toEqual(encodings)
        }),
      ),
      { numRuns: 200 },
    )
  })

  it('concurrent setPaths to one object all survive; the later set shadows what came before it', () => {
    const state = new Doc().set('cfg', { a: 1 })
    const writes: Delta[] = [
      { height: 1, id: 'x', doc: new Doc().setPath('cfg.b', 2) },
      { height: 1, id: 'y', doc: new Doc().setPath('cfg.c', 3) },
      { height: 2, id: 'z', doc: new Doc().setPath('cfg.d', 4) },
    ]
    expect(fold(writes, state.clone()).get('cfg')).toEqual({ a: 1, b: 2, c: 3, d: 4 })
    writes.push({ height: 1, id: 'xa', doc: new Doc().set('cfg', { fresh: true }) })
    // xa sorts after x (same height, larger id) but before y and z.
    expect(fold([...writes].sort(byOrder), state.clone()).get('cfg')).toEqual({ fresh: true, c: 3, d: 4 })
  })

  it('the later write in the order wins a conflict, on every replica', () => {
    const early: Delta = { height: 1, id: 'b', doc: new Doc().set('k', 'early') }
    const late: Delta = { height: 1, id: 'c', doc: new Doc().set('k', 'late') }
    const deeper: Delta = { height: 2, id: 'a', doc: new Doc().delete('other') }
    for (const order of [
      [early, late, deeper],
      [deeper, late, early],
      [late, deeper, early],
    ]) {
      const r = new Replica()
      order.forEach((d) => r.receive(d))
      expect(r.state.get('k')).toBe('late')
      expect(r.state.isTombstone('other')).toBe(true)
    }
    const single = new Doc()
    apply(single, { t: 'set', key: 'k', value: 'x' })
    expect(single.get('k')).toBe('x')
  })
})
