/**
 * Identical concurrent commits (issue 8): two transactions making the same
 * change at the same tips with the same key make one entry (one id);
 * `onLocalWrite` fires once for it, not once per commit call. Both ways a
 * backend can be asked: `insert` (store and say whether it was new, one
 * step) and, for a backend without it, `has` then `put`.
 */
import { describe, expect, it } from 'vitest'
import { canInsert } from '@engram/backend-api'
import { MemoryBackend } from '@engram/backend-memory'
import { Database, DocStore, Engine } from '@engram/database'
import { keyFromSeed } from './helpers.js'

/** A MemoryBackend without the optional `insert`: the engine falls back to `has` + `put`. */
class PlainBackend extends MemoryBackend {
  declare insert: never
  constructor() {
    super()
    Object.defineProperty(this, 'insert', { value: undefined })
  }
}

async function setupOn(backend: MemoryBackend) {
  const key = await keyFromSeed(1)
  const db = await Database.create(new Engine(backend), { name: 'test' }, { key, sigKey: 'admin' })
  return { db }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

for (const [name, make, inserts] of [
  ['a backend with insert', () => new MemoryBackend(), true],
  ['a backend without insert', () => new PlainBackend(), false],
] as const) {
  describe(`onLocalWrite, once per stored entry, on ${name}`, () => {
    const setup = () => setupOn(make())
    it('has insert or not, as this case says', () => {
      expect(canInsert(make())).toBe(inserts)
    })

    it('two identical concurrent commits store one entry and fire once', async () => {
      const { db } = await setup()
      const seen: string[] = []
      db.onLocalWrite(({ entryId }) => {
        seen.push(entryId)
      })
      for (let round = 0; round < 5; round++) {
        const tips = await db.getTips()
        const txns = [await db.newTransactionAt(tips), await db.newTransactionAt(tips)]
        for (const t of txns) await (await t.getStore('s', DocStore)).set('k', round)
        const ids = await Promise.all(txns.map((t) => t.commit()))
        expect(ids[0]).toBe(ids[1])
        await settle()
        expect(seen.filter((id) => id === ids[0])).toHaveLength(1)
        expect(await db.getTips()).toEqual([ids[0]])
      }
      expect(seen).toHaveLength(5)
    })

    it('a later identical commit fires nothing either', async () => {
      const { db } = await setup()
      let calls = 0
      db.onLocalWrite(() => {
        calls++
      })
      const tips = await db.getTips()
      const commitAt = async () => {
        const t = await db.newTransactionAt(tips)
        await (await t.getStore('s', DocStore)).set('k', 1)
        return t.commit()
      }
      const a = await commitAt()
      const b = await commitAt()
      await settle()
      expect(a).toBe(b)
      expect(calls).toBe(1)
    })
  })
}
