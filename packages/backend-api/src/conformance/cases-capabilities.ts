/**
 * @module
 * Conformance cases for the optional capabilities a backend declares in
 * `supports`: `insert`, the `watch` change feed and durable state checkpoints. A
 * backend that has the methods must declare them, so nothing goes untested.
 */
import { expect, it, vi } from 'vitest'
import type { Backend, ChangedEntry, Checkpoint, CheckpointBackend, InsertingBackend, WatchableBackend } from '../backend.js'
import { CHECKPOINTS_KEPT } from '../backend.js'
import { canInsert, canWatch, hasCheckpoints } from '../capabilities.js'
import { entryId } from '../encode.js'
import { makeEntry, makeRoot } from './fixtures.js'
import { expectArgumentError, expectCode, putAll, type WithBackend } from './helpers.js'
import type { ConformanceOptions } from './suite.js'

const cp = (over: Partial<Checkpoint> = {}): Checkpoint => ({
  tree: 'sha256:' + 'a'.repeat(64),
  store: 'tasks',
  kind: 'docstore',
  tips: ['sha256:' + 'b'.repeat(64)],
  height: 3,
  data: '{"k":1}',
  ...over,
})

const tip = (n: number) => 'sha256:' + n.toString(16).padStart(64, '0')

/** Retries `check` until it passes (vitest's `vi.waitFor`), failing after `timeout` ms. */
const eventually = (check: () => unknown, timeout = 3000) => vi.waitFor(check, { timeout, interval: 10 })

export function capabilityCases<B extends Backend>(options: ConformanceOptions<B>, use: WithBackend): void {
  const supports = options.supports ?? {}

  it('declares exactly the optional capabilities it has', use(async (b) => {
    expect(canInsert(b)).toBe(supports.insert === true)
    expect(canWatch(b)).toBe(supports.watch === true)
    expect(hasCheckpoints(b)).toBe(supports.checkpoints === true)
  }))

  if (supports.insert) {
    const withIns = (body: (b: InsertingBackend) => Promise<void>) => use(async (b) => body(b as InsertingBackend))

    it('insert: true for a new id, false for a stored one, which keeps its entry and first status', withIns(async (b) => {
      const r = makeRoot('insert')
      const a = makeEntry(r.id, [r.id], { s: { data: 'x' } }, 'a')
      expect(await b.insert(r.id, r.entry, 'verified')).toBe(true)
      expect(await b.insert(a.id, a.entry, 'unverified')).toBe(true)
      expect(await b.insert(a.id, a.entry, 'verified')).toBe(false)
      expect(await b.insert(r.id, r.entry, 'failed')).toBe(false)
      await b.put(a.id, a.entry, 'verified') // put after insert: still a no-op
      expect(await b.getStatus(a.id)).toBe('unverified')
      expect(await b.getStatus(r.id)).toBe('verified')
      expect(entryId(await b.get(a.id))).toBe(a.id)
      expect(await b.getTips(r.id)).toEqual([r.id])
      await b.setStatus(a.id, 'verified')
      expect(await b.getTips(r.id)).toEqual([a.id])
      expect(await b.getStoreTips(r.id, 's')).toEqual([a.id])
      expect(await b.treeEntryIds(r.id)).toHaveLength(2)
    }))

    it('insert of an id stored by put is false; a verified insert moves the tips like put', withIns(async (b) => {
      const r = makeRoot('insert-put')
      const a = makeEntry(r.id, [r.id], {}, 'a')
      await b.put(r.id, r.entry, 'verified')
      expect(await b.insert(r.id, r.entry, 'verified')).toBe(false)
      expect(await b.insert(a.id, a.entry, 'verified')).toBe(true)
      expect(await b.getTips(r.id)).toEqual([a.id])
      expect(await b.getHeight(r.id, a.id)).toBe(1)
    }))

    it('insert refuses what put refuses, storing nothing', withIns(async (b) => {
      const r = makeRoot('insert-bad')
      const other = makeRoot('insert-other')
      const a = makeEntry(r.id, [r.id])
      await expectCode(b.insert(other.id, r.entry, 'verified'), 'INVALID_ENTRY')
      const dup = { ...a.entry, tree: { ...a.entry.tree, parents: [r.id, r.id] } }
      await expectCode(b.insert(entryId(dup as never), dup as never, 'verified'), 'INVALID_ENTRY')
      await expectArgumentError(b.insert(r.id, r.entry, 'trusted' as never))
      expect(await b.has(other.id)).toBe(false)
      expect(await b.has(r.id)).toBe(false)
      expect(await b.rootIds()).toEqual([])
    }))

    it('insert: of concurrent inserts of one id exactly one is true', withIns(async (b) => {
      const r = makeRoot('insert-race')
      const results = await Promise.all(Array.from({ length: 6 }, () => b.insert(r.id, r.entry, 'verified')))
      expect(results.filter((x) => x)).toHaveLength(1)
      expect(await b.rootIds()).toEqual([r.id])
    }))

    if (options.reopen) {
      const reopen = options.reopen
      it('insert: an id another handle stored is not new here', withIns(async (b) => {
        const other = await reopen(b as unknown as B)
        try {
          const r = makeRoot('insert-other-handle')
          await other.put(r.id, r.entry, 'verified')
          expect(await b.insert(r.id, r.entry, 'verified')).toBe(false)
          const a = makeEntry(r.id, [r.id], {}, 'a')
          expect(await b.insert(a.id, a.entry, 'verified')).toBe(true)
          expect(await (other as unknown as InsertingBackend).insert(a.id, a.entry, 'verified')).toBe(false)
        } finally {
          await options.teardown?.(other)
        }
      }))
    }
  }

  if (supports.checkpoints) {
    const withCp = (body: (b: CheckpointBackend) => Promise<void>) => use(async (b) => body(b as CheckpointBackend))

    it('checkpoints: a missing one is an empty list; put then get returns it', withCp(async (b) => {
      expect(await b.getCheckpoints(cp().tree, 'tasks', 'docstore')).toEqual([])
      await b.putCheckpoint(cp())
      expect(await b.getCheckpoints(cp().tree, 'tasks', 'docstore')).toEqual([cp()])
    }))

    it('checkpoints: newest first by height; the same tips replace; limit counts', withCp(async (b) => {
      await b.putCheckpoint(cp({ tips: [tip(1)], height: 1, data: 'one' }))
      await b.putCheckpoint(cp({ tips: [tip(3)], height: 3, data: 'three' }))
      await b.putCheckpoint(cp({ tips: [tip(2)], height: 2, data: 'two' }))
      await b.putCheckpoint(cp({ tips: [tip(2)], height: 2, data: 'two again' }))
      const all = await b.getCheckpoints(cp().tree, 'tasks', 'docstore', 10)
      expect(all.map((c) => c.data)).toEqual(['three', 'two again', 'one'])
      expect((await b.getCheckpoints(cp().tree, 'tasks', 'docstore')).map((c) => c.data)).toEqual(['three'])
      expect(await b.getCheckpoints(cp().tree, 'tasks', 'docstore', 0)).toEqual([])
    }))

    it('checkpoints: tips are kept sorted and unique; tree, store and kind are kept apart', withCp(async (b) => {
      await b.putCheckpoint(cp({ tips: [tip(9), tip(4), tip(9)], data: 'multi' }))
      expect((await b.getCheckpoints(cp().tree, 'tasks', 'docstore'))[0]!.tips).toEqual([tip(4), tip(9)])
      await b.putCheckpoint(cp({ store: 'other', data: 'other store' }))
      await b.putCheckpoint(cp({ kind: 'table', data: 'other kind' }))
      await b.putCheckpoint(cp({ tree: tip(77), data: 'other tree' }))
      expect((await b.getCheckpoints(cp().tree, 'tasks', 'docstore')).map((c) => c.data)).toEqual(['multi'])
      expect((await b.getCheckpoints(cp().tree, 'other', 'docstore')).map((c) => c.data)).toEqual(['other store'])
      expect((await b.getCheckpoints(cp().tree, 'tasks', 'table')).map((c) => c.data)).toEqual(['other kind'])
      await b.deleteCheckpoints(cp().tree, 'other')
      expect(await b.getCheckpoints(cp().tree, 'other', 'docstore')).toEqual([])
      expect(await b.getCheckpoints(cp().tree, 'tasks', 'table')).toHaveLength(1)
      await b.deleteCheckpoints(cp().tree)
      await b.deleteCheckpoints(cp().tree) // absent: fine
      expect(await b.getCheckpoints(cp().tree, 'tasks', 'docstore')).toEqual([])
      expect(await b.getCheckpoints(tip(77), 'tasks', 'docstore')).toHaveLength(1)
    }))

    it(`checkpoints: at least the newest ${CHECKPOINTS_KEPT} are kept`, withCp(async (b) => {
      for (let h = 1; h <= CHECKPOINTS_KEPT + 3; h++) await b.putCheckpoint(cp({ tips: [tip(h)], height: h, data: String(h) }))
      const kept = await b.getCheckpoints(cp().tree, 'tasks', 'docstore', 100)
      expect(kept.length).toBeGreaterThanOrEqual(CHECKPOINTS_KEPT)
      expect(kept.slice(0, CHECKPOINTS_KEPT).map((c) => c.height)).toEqual(
        Array.from({ length: CHECKPOINTS_KEPT }, (_, i) => CHECKPOINTS_KEPT + 3 - i),
      )
    }))

    it('checkpoints are derived data: opaque to the backend and independent of the entries', withCp(async (b) => {
      // A checkpoint naming entries the backend does not hold, with data that is no state, is stored as given:
      // deciding whether to trust it is the engine's job (it checks and rebuilds).
      const r = makeRoot('cp-derived')
      await putAll(b, [r])
      await b.putCheckpoint(cp({ tree: r.id, tips: [tip(5)], data: '\u0000not json ✓' }))
      expect((await b.getCheckpoints(r.id, 'tasks', 'docstore'))[0]!.data).toBe('\u0000not json ✓')
      expect(await b.getTips(r.id)).toEqual([r.id])
      expect(await b.treeEntryIds(r.id)).toEqual([r.id])
    }))

    it('checkpoints: malformed ones are argument errors and store nothing', withCp(async (b) => {
      await expectArgumentError(b.putCheckpoint(null as never))
      await expectArgumentError(b.putCheckpoint(cp({ tips: [] })))
      await expectArgumentError(b.putCheckpoint(cp({ height: -1 })))
      await expectArgumentError(b.putCheckpoint(cp({ height: 1.5 })))
      await expectArgumentError(b.putCheckpoint(cp({ data: 5 as never })))
      await expectArgumentError(b.putCheckpoint(cp({ tips: [3] as never })))
      await expectArgumentError(b.getCheckpoints(cp().tree, 'tasks', 'docstore', -1))
      expect(await b.getCheckpoints(cp().tree, 'tasks', 'docstore', 10)).toEqual([])
    }))

    if (options.reopen) {
      const reopen = options.reopen
      it('checkpoints are durable: another handle on the same storage reads them', withCp(async (b) => {
        await b.putCheckpoint(cp({ data: 'durable' }))
        const other = (await reopen(b as unknown as B)) as unknown as CheckpointBackend
        try {
          expect((await other.getCheckpoints(cp().tree, 'tasks', 'docstore'))[0]!.data).toBe('durable')
        } finally {
          await options.teardown?.(other as unknown as B)
        }
      }))
    }
  }

  if (supports.watch && options.reopen) {
    const reopen = options.reopen
    it('watch reports another handle\'s new entries and status changes, not its own', use(async (b) => {
      const w = b as WatchableBackend
      const other = await reopen(b as B)
      const seen: ChangedEntry[] = []
      const stop = w.watch((batch) => seen.push(...batch))
      try {
        const r = makeRoot('watch')
        const a = makeEntry(r.id, [r.id], {}, 'a')
        const own = makeEntry(r.id, [r.id], {}, 'own')
        await w.put(own.id, own.entry, 'verified')
        await other.put(r.id, r.entry, 'verified')
        await other.put(a.id, a.entry, 'unverified')
        await eventually(() => expect(seen.map((c) => c.id)).toEqual([r.id, a.id]))
        expect(seen[1]).toEqual({ id: a.id, tree: r.id, status: 'unverified' })
        await other.setStatus(a.id, 'verified')
        await eventually(() => expect(seen).toHaveLength(3))
        expect(seen[2]).toEqual({ id: a.id, tree: r.id, status: 'verified' })
        expect(seen.some((c) => c.id === own.id)).toBe(false)
      } finally {
        stop()
        stop() // idempotent
        await options.teardown?.(other)
      }
    }))

    it('graph answers include another handle\'s writes, and unsubscribed watchers hear nothing', use(async (b) => {
      const w = b as WatchableBackend
      const other = await reopen(b as B)
      try {
        const r = makeRoot('shared')
        const a = makeEntry(r.id, [r.id], { s: { data: 'x' } }, 'a')
        await putAll(b, [r])
        expect(await b.getTips(r.id)).toEqual([r.id]) // index loaded before the other write
        let calls = 0
        const stop = w.watch(() => calls++)
        stop()
        await other.put(a.id, a.entry, 'verified')
        expect(await b.getTips(r.id)).toEqual([a.id])
        expect(await b.getStoreTips(r.id, 's')).toEqual([a.id])
        expect(await b.getHeight(r.id, a.id)).toBe(1)
        await other.setStatus(a.id, 'failed')
        expect(await b.getTips(r.id)).toEqual([r.id])
        await new Promise((res) => setTimeout(res, 100))
        expect(calls).toBe(0)
      } finally {
        await options.teardown?.(other)
      }
    }))

    it('a watcher that throws does not stop the others', use(async (b) => {
      const w = b as WatchableBackend
      const other = await reopen(b as B)
      const seen: string[] = []
      const stopBad = w.watch(() => {
        throw new Error('bad watcher')
      })
      const stop = w.watch((batch) => seen.push(...batch.map((c) => c.id)))
      try {
        const r = makeRoot('watch-throw')
        await other.put(r.id, r.entry, 'verified')
        await eventually(() => expect(seen).toEqual([r.id]))
      } finally {
        stop()
        stopBad()
        await options.teardown?.(other)
      }
    }))
  }
}
