import { describe, expect, it } from 'vitest'
import { normalizeSyncSettings } from '../src/session/sync-settings.js'

describe('normalizeSyncSettings', () => {
  it('fills defaults and keeps only given optional fields', () => {
    expect(normalizeSyncSettings(undefined)).toEqual({ syncEnabled: false, syncOnCommit: false })
    expect(normalizeSyncSettings({ syncEnabled: true })).toEqual({ syncEnabled: true, syncOnCommit: false })
    expect(normalizeSyncSettings({ syncOnCommit: true, intervalSeconds: 30, properties: { a: 'b' } })).toEqual({
      syncEnabled: false,
      syncOnCommit: true,
      intervalSeconds: 30,
      properties: { a: 'b' },
    })
  })

  it('rejects wrong types with TypeError and bad intervals with RangeError', () => {
    expect(() => normalizeSyncSettings('yes' as never)).toThrow(TypeError)
    expect(() => normalizeSyncSettings({ syncEnabled: 'yes' as never })).toThrow(TypeError)
    expect(() => normalizeSyncSettings({ syncOnCommit: 1 as never })).toThrow(TypeError)
    expect(() => normalizeSyncSettings({ intervalSeconds: '5' as never })).toThrow(TypeError)
    expect(() => normalizeSyncSettings({ properties: { a: 1 } as never })).toThrow(TypeError)
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => normalizeSyncSettings({ intervalSeconds: bad })).toThrow(RangeError)
  })
})
