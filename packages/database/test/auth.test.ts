import { describe, expect, it } from 'vitest'
import { Database, DocStore, Permission, type DelegationStep } from '@engram/database'
import { expectCode, keyFromSeed, newEngine, pub, team } from './helpers.js'

async function writeData(db: Database, value: unknown = 1): Promise<string> {
  const txn = await db.newTransaction()
  await (await txn.getStore('data', DocStore)).set('v', value as never)
  return txn.commit()
}

async function changeSettings(db: Database, fn: (s: Awaited<ReturnType<Awaited<ReturnType<Database['newTransaction']>>['getSettingsStore']>>) => Promise<void>): Promise<string> {
  const txn = await db.newTransaction()
  await fn(await txn.getSettingsStore())
  return txn.commit()
}

describe('Permission', () => {
  it('orders Admin > Write > Read, lower priority stronger, and compares by meaning', () => {
    expect(Permission.compare(Permission.admin(9), Permission.write(0))).toBeGreaterThan(0)
    expect(Permission.compare(Permission.write(9), Permission.read())).toBeGreaterThan(0)
    expect(Permission.compare(Permission.admin(0), Permission.admin(1))).toBeGreaterThan(0)
    expect(Permission.compare(Permission.write(3), Permission.write(3))).toBe(0)
    expect(Permission.equals(Permission.admin(2), { kind: 'admin', priority: 2 })).toBe(true)
    expect(Permission.admin(2)).toEqual(Permission.admin(2))
    expect(Permission.equals(Permission.admin(2), Permission.write(2))).toBe(false)
    expect(Permission.canWrite(Permission.write(1))).toBe(true)
    expect(Permission.canWrite(Permission.read())).toBe(false)
    expect(Permission.canAdmin(Permission.write(0))).toBe(false)
  })

  it('clamps into bounds', () => {
    const bounds = { max: Permission.write(5), min: Permission.read() }
    expect(Permission.clamp(Permission.admin(0), bounds)).toEqual(Permission.write(5))
    expect(Permission.clamp(Permission.write(9), bounds)).toEqual(Permission.write(9))
    expect(Permission.clamp(Permission.read(), { max: Permission.admin(3), min: Permission.write(7) })).toEqual(Permission.write(7))
    // An invalid range (min stronger than max) applies max only.
    expect(Permission.clamp(Permission.read(), { max: Permission.write(5), min: Permission.admin(0) })).toEqual(Permission.read())
  })

  it('refuses bad priorities', () => {
    expect(() => Permission.admin(-1)).toThrow(RangeError)
    expect(() => Permission.write(2 ** 32)).toThrow(RangeError)
    expect(() => Permission.write(1.5)).toThrow(TypeError)
  })
})

describe('commit-time auth', () => {
  it('lets Write keys write data and Admin keys change settings', async () => {
    const { as, keys, db } = await team()
    await writeData(as(keys.writer, 'writer'), 'w')
    await changeSettings(as(keys.admin1, 'admin1'), (s) => s.set('color', 'red'))
    expect(await (await db.getSettings()).get('color')).toBe('red')
  })

  it('refuses unknown keys, wrong keys, Read keys, and Write keys touching settings — storing nothing', async () => {
    const { as, keys, db, engine } = await team()
    const before = (await engine.backend.treeEntryIds(db.id)).length
    await expectCode(writeData(as(keys.stranger, 'nobody')), 'UNAUTHORIZED')
    await expectCode(writeData(as(keys.stranger, 'writer')), 'UNAUTHORIZED')
    await expectCode(writeData(as(keys.reader, 'reader')), 'UNAUTHORIZED')
    await expectCode(changeSettings(as(keys.writer, 'writer'), (s) => s.set('color', 'red')), 'UNAUTHORIZED')
    await expectCode(changeSettings(as(keys.writer, 'writer'), (s) => s.revokeKey('admin')), 'UNAUTHORIZED')
    expect((await engine.backend.treeEntryIds(db.id)).length).toBe(before)
  })

  it('refuses revoked keys', async () => {
    const { as, keys, db } = await team()
    await changeSettings(db, (s) => s.revokeKey('writer'))
    expect((await (await db.getSettings()).getKey('writer'))?.status).toBe('revoked')
    await expectCode(writeData(as(keys.writer, 'writer')), 'UNAUTHORIZED')
  })

  it('refuses auth set to a string or deleted (INVALID_SETTINGS)', async () => {
    const { db } = await team()
    await expectCode(changeSettings(db, (s) => s.set('auth', 'all of them')), 'INVALID_SETTINGS')
    await expectCode(changeSettings(db, (s) => s.delete('auth')), 'INVALID_SETTINGS')
    await expectCode(changeSettings(db, (s) => s.set('auth', { admin: 'garbage' })), 'INVALID_SETTINGS')
    await writeData(db)
  })

  it('enforces priority: nobody adds, changes or revokes a stronger key (DECISIONS 7)', async () => {
    const { as, keys, db } = await team()
    const admin1 = as(keys.admin1, 'admin1')
    const newKey = pub(await keyFromSeed(40))
    await expectCode(changeSettings(admin1, (s) => s.addKey('boss', { pubkey: newKey, permission: Permission.admin(0) })), 'UNAUTHORIZED')
    await expectCode(changeSettings(admin1, (s) => s.revokeKey('admin')), 'UNAUTHORIZED')
    await expectCode(
      changeSettings(admin1, (s) => s.setKey('admin', { pubkey: newKey, permission: Permission.admin(1), status: 'active' })),
      'UNAUTHORIZED',
    )
    await expectCode(changeSettings(admin1, (s) => s.setKey('admin1', { pubkey: pub(keys.admin1), permission: Permission.admin(0), status: 'active' })), 'UNAUTHORIZED')
    // Replacing the whole auth object drops admin: a change to a stronger key.
    const current = Object.fromEntries(await (await db.getSettings()).listKeys())
    const { admin: _dropped, ...rest } = current
    await expectCode(changeSettings(admin1, (s) => s.set('auth', JSON.parse(JSON.stringify(rest)))), 'UNAUTHORIZED')
    // Within its own strength it may act.
    await changeSettings(admin1, (s) => s.addKey('peer', { pubkey: newKey, permission: Permission.admin(1) }))
    await changeSettings(admin1, (s) => s.addKey('w0', { pubkey: newKey, permission: Permission.write(0) }))
    await changeSettings(admin1, (s) => s.revokeKey('writer'))
    await changeSettings(db, (s) => s.revokeKey('admin1'))
    await expectCode(writeData(admin1), 'UNAUTHORIZED')
  })

  it('the wildcard lets any key write and carries the signer in sig.pubkey', async () => {
    const { db, keys } = await team()
    await changeSettings(db, (s) => s.addKey('*', { pubkey: '*', permission: Permission.write(10) }))
    const anyone = db.withSigner({ key: keys.stranger, sigKey: '*' })
    const id = await writeData(anyone, 'hi')
    const entry = await db.getEntry(id)
    expect(entry.sig.key).toBe('*')
    expect(entry.sig.pubkey).toBe(pub(keys.stranger))
    await expectCode(changeSettings(anyone, (s) => s.set('x', 1)), 'UNAUTHORIZED')
    await changeSettings(db, (s) => s.revokeKey('*'))
    await expectCode(writeData(anyone), 'UNAUTHORIZED')
  })

  it('SettingsStore key operations and their errors', async () => {
    const { db, keys } = await team()
    const txn = await db.newTransaction()
    const s = await txn.getSettingsStore()
    await expectCode(s.addKey('writer', { pubkey: pub(keys.stranger), permission: Permission.write(1) }), 'KEY_EXISTS')
    await expectCode(s.revokeKey('ghost'), 'KEY_NOT_FOUND')
    expect(await s.getKey('ghost')).toBeUndefined()
    await expectCode(s.addKey('bad', { pubkey: 'ed25519:short', permission: Permission.write(1) }), 'INVALID_SETTINGS')
    await expectCode(s.addKey('bad', { pubkey: '*', permission: Permission.write(1) }), 'INVALID_SETTINGS')
    await expectCode(s.addKey('*', { pubkey: pub(keys.stranger), permission: Permission.write(1) }), 'INVALID_SETTINGS')
    await expectCode(s.addKey('bad', { pubkey: pub(keys.stranger), permission: { kind: 'owner' } as never }), 'INVALID_SETTINGS')
    await expect(s.addKey('a.b', { pubkey: pub(keys.stranger), permission: Permission.read() })).rejects.toBeInstanceOf(RangeError)
    await s.addKey('new', { pubkey: pub(keys.stranger), permission: Permission.write(2), status: 'revoked' })
    await s.setKey('new', { pubkey: pub(keys.stranger), permission: Permission.write(3), status: 'active' })
    expect(await s.getKey('new')).toEqual({ pubkey: pub(keys.stranger), permission: Permission.write(3), status: 'active' })
    expect((await s.listKeys()).map(([n]) => n)).toEqual(['admin', 'admin1', 'new', 'reader', 'writer'])
    await txn.commit()
    expect((await (await db.getSettings()).listKeys()).length).toBe(5)
  })

  it('findSigKeys lists active keys for a public key, strongest first, and an active wildcard', async () => {
    const { db, keys } = await team()
    const k = pub(keys.writer)
    await changeSettings(db, async (s) => {
      await s.addKey('writer-admin', { pubkey: k, permission: Permission.admin(3) })
      await s.addKey('writer-old', { pubkey: k, permission: Permission.admin(0), status: 'revoked' })
      await s.addKey('writer-weak', { pubkey: k, permission: Permission.write(9) })
      await s.addKey('*', { pubkey: '*', permission: Permission.read() })
    })
    expect(await db.findSigKeys(k)).toEqual([
      { sigKey: 'writer-admin', permission: Permission.admin(3) },
      { sigKey: 'writer', permission: Permission.write(5) },
      { sigKey: 'writer-weak', permission: Permission.write(9) },
      { sigKey: '*', permission: Permission.read() },
    ])
    expect(await db.findSigKeys(pub(await keyFromSeed(77)))).toEqual([{ sigKey: '*', permission: Permission.read() }])
  })
})

describe('delegation', () => {
  /** A chain of databases D0 → D1 → … → Dn; Dn holds `bob` as Admin(0); each Di delegates `next` to Di+1. */
  async function chain(n: number, bounds = { max: Permission.admin(0) }) {
    const engine = newEngine()
    const owner = await keyFromSeed(1)
    const bob = await keyFromSeed(2)
    const ownerSigner = { key: owner, sigKey: 'owner' }
    const dbs: Database[] = []
    dbs[n] = await Database.create(engine, { name: `d${n}`, auth: { bob: { pubkey: pub(bob), permission: { kind: 'admin', priority: 0 }, status: 'active' } } }, { key: bob, sigKey: 'bob' })
    for (let i = n - 1; i >= 0; i--) {
      const db = await Database.create(engine, { name: `d${i}` }, ownerSigner)
      const next = dbs[i + 1]!
      await changeSettings(db, async (s) => s.setDelegation('next', { root: next.id, tips: await next.getTips(), bounds }))
      dbs[i] = db
    }
    const path = async (): Promise<DelegationStep[]> => [
      ...(await Promise.all(dbs.slice(1).map(async (d) => ({ key: 'next', tips: await d.getTips() })))),
      { key: 'bob', tips: null },
    ]
    return { engine, dbs, bob, path }
  }

  it('lets a delegated key write, clamped by the bounds', async () => {
    const { dbs, bob, path } = await chain(1, { max: Permission.write(5) })
    const viaBob = dbs[0]!.withSigner({ key: bob, sigKey: await path() })
    const id = await writeData(viaBob, 'delegated')
    expect(Array.isArray((await dbs[0]!.getEntry(id)).sig.key)).toBe(true)
    expect(await (await dbs[0]!.getStore('data', DocStore)).get('v')).toBe('delegated')
    // Admin(0) in its own database, clamped to Write(5) here: no settings changes.
    await expectCode(changeSettings(viaBob, (s) => s.set('x', 1)), 'UNAUTHORIZED')
  })

  it('raises to the min bound', async () => {
    const engine = newEngine()
    const owner = await keyFromSeed(1)
    const carol = await keyFromSeed(3)
    const home = await Database.create(engine, { name: 'home' }, { key: owner, sigKey: 'owner' })
    await changeSettings(home, (s) => s.addKey('carol', { pubkey: pub(carol), permission: Permission.read() }))
    const shared = await Database.create(engine, { name: 'shared' }, { key: owner, sigKey: 'owner' })
    await changeSettings(shared, async (s) =>
      s.setDelegation('home', { root: home.id, tips: await home.getTips(), bounds: { max: Permission.admin(2), min: Permission.write(7) } }),
    )
    const viaCarol = shared.withSigner({ key: carol, sigKey: [{ key: 'home', tips: await home.getTips() }, { key: 'carol', tips: null }] })
    await writeData(viaCarol)
  })

  it('refuses bad tips, unknown steps, revoked delegated keys and wrong final steps', async () => {
    const { dbs, bob, path, engine } = await chain(1)
    const d0 = dbs[0]!
    const good = await path()
    const other = await Database.create(engine, { name: 'other' }, { key: bob, sigKey: 'bob' })
    const variants: DelegationStep[][] = [
      [{ key: 'next', tips: ['sha256:' + '0'.repeat(64)] }, good[1]!],
      [{ key: 'next', tips: [other.id] }, good[1]!],
      [{ key: 'next', tips: [] }, good[1]!],
      [{ key: 'nope', tips: good[0]!.tips }, good[1]!],
      [good[0]!, { key: 'bob', tips: good[0]!.tips }],
      [good[0]!, { key: 'ghost', tips: null }],
      [],
    ]
    for (const sigKey of variants) await expectCode(writeData(d0.withSigner({ key: bob, sigKey })), 'UNAUTHORIZED')
    // A revoked key in the delegated database (at the tips named) no longer signs.
    await changeSettings(dbs[1]!, (s) => s.revokeKey('bob'))
    await expectCode(writeData(d0.withSigner({ key: bob, sigKey: await path() })), 'UNAUTHORIZED')
  })

  it('accepts 10 steps and refuses 11', async () => {
    const ten = await chain(9)
    const tenPath = await ten.path()
    expect(tenPath).toHaveLength(10)
    await writeData(ten.dbs[0]!.withSigner({ key: ten.bob, sigKey: tenPath }))
    const eleven = await chain(10)
    const elevenPath = await eleven.path()
    expect(elevenPath).toHaveLength(11)
    await expectCode(writeData(eleven.dbs[0]!.withSigner({ key: eleven.bob, sigKey: elevenPath })), 'UNAUTHORIZED')
  })
})
