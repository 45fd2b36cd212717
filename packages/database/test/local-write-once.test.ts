/**
 * Identical concurrent commits (issue 8): two transactions making the same
 * change at the same tips with the same key make one entry (one id);
 * `onLocalWrite` fires once for it, not once per commit call.
 */
import { describe, expect, it } from 'vitest'
import { DocStore } from '@engram/database'
import { setup } from './helpers.js'

const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('onLocalWrite, once per stored entry', () => {
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
