import { MemoryBackend } from '@engram/backend-memory'
import { ed25519, formatPublicKey, isPublicKey, randomBytes } from '@engram/crypto'
import { Database, DocStore, Engine } from '@engram/database'
import { DEVICE_KEY_NAME, Instance, SYSTEM_DATABASES_METADATA } from '../src/index.js'
import { describe, expect, it } from 'vitest'
import { FAST, openInstance } from './helpers.js'

describe('Instance.open', () => {
  it('creates the device key in local key storage and the three system databases', async () => {
    const { instance, backend } = await openInstance()
    const seed = await backend.getLocalKey(DEVICE_KEY_NAME)
    expect(seed).toHaveLength(32)
    expect(isPublicKey(instance.devicePublicKey())).toBe(true)
    expect(formatPublicKey(await ed25519.getPublicKey(seed!))).toBe(instance.devicePublicKey())
    expect(instance.backend()).toBe(backend)
    expect(instance.engine()).toBeInstanceOf(Engine)

    const ids = instance.systemDatabaseIds()
    expect(Object.keys(ids).sort()).toEqual(['databases', 'instance', 'users'])
    expect(ids.sync).toBeUndefined()
    expect(new Set(Object.values(ids)).size).toBe(3)
    expect((await backend.rootIds()).sort()).toEqual(Object.values(ids).sort())

    const engine = new Engine(backend)
    for (const [key, name] of [['instance', '_instance'], ['users', '_users'], ['databases', '_databases']] as const) {
      const db = await Database.open(engine, ids[key])
      expect(await db.name()).toBe(name)
      const auth = await (await db.getSettings()).getKey(DEVICE_KEY_NAME)
      expect(auth).toMatchObject({ pubkey: instance.devicePublicKey(), status: 'active' })
    }
    const info = await (await (await Database.open(engine, ids.instance)).getStore('instance', DocStore)).toJSON()
    expect(info).toMatchObject({ formatVersion: 1, devicePublicKey: instance.devicePublicKey() })
    expect(Math.abs(Date.now() - (info as { createdAt: number }).createdAt)).toBeLessThan(60_000)
  })

  it('reopening the same backend keeps the device key, system databases, users and databases', async () => {
    const { instance, backend } = await openInstance()
    await instance.createUser('alice')
    const db = await (await instance.loginUser('alice')).createDatabase({ name: 'notes' })
    const again = await Instance.open(backend, { argon2: FAST })
    expect(again.devicePublicKey()).toBe(instance.devicePublicKey())
    expect(again.systemDatabaseIds()).toEqual(instance.systemDatabaseIds())
    expect(await again.listUsers()).toEqual(['alice'])
    const [found] = await (await again.loginUser('alice')).findDatabase('notes')
    expect(found!.id).toBe(db.id)
  })

  it('two instances have different device keys', async () => {
    const a = await openInstance()
    const b = await openInstance()
    expect(a.instance.devicePublicKey()).not.toBe(b.instance.devicePublicKey())
  })

  it('finds the system databases by scanning when the recorded ids are gone', async () => {
    const { instance, backend } = await openInstance()
    await backend.setMetadata(SYSTEM_DATABASES_METADATA, 'not json')
    const again = await Instance.open(backend)
    expect(again.systemDatabaseIds()).toEqual(instance.systemDatabaseIds())
    expect(JSON.parse((await backend.getMetadata(SYSTEM_DATABASES_METADATA))!)).toEqual(instance.systemDatabaseIds())
  })

  it('a device key with no system databases → SYSTEM_DATABASE_MISSING, and nothing is created', async () => {
    const backend = new MemoryBackend()
    await backend.putLocalKey(DEVICE_KEY_NAME, randomBytes(32))
    await expect(Instance.open(backend)).rejects.toMatchObject({ code: 'SYSTEM_DATABASE_MISSING' })
    expect(await backend.rootIds()).toEqual([])
  })

  it('a recorded system database that is not in the backend → SYSTEM_DATABASE_MISSING', async () => {
    const { instance, backend } = await openInstance()
    const ids = instance.systemDatabaseIds()
    await backend.setMetadata(SYSTEM_DATABASES_METADATA, JSON.stringify({ ...ids, users: 'sha256:' + 'f'.repeat(64) }))
    await expect(Instance.open(backend)).rejects.toMatchObject({ code: 'SYSTEM_DATABASE_MISSING', databaseName: '_users' })
    // pointing at another system database is no better
    await backend.setMetadata(SYSTEM_DATABASES_METADATA, JSON.stringify({ ...ids, users: ids.databases }))
    await expect(Instance.open(backend)).rejects.toMatchObject({ code: 'SYSTEM_DATABASE_MISSING' })
  })

  it('two roots of this device claiming one system name → SYSTEM_DATABASE_DUPLICATE', async () => {
    const { backend } = await openInstance()
    const seed = (await backend.getLocalKey(DEVICE_KEY_NAME))!
    const signer = { key: await ed25519.importSigningKey(seed), sigKey: DEVICE_KEY_NAME }
    await Database.create(new Engine(backend), { name: '_users', type: 'system' }, signer)
    await backend.setMetadata(SYSTEM_DATABASES_METADATA, '')
    const before = (await backend.rootIds()).length
    await expect(Instance.open(backend)).rejects.toMatchObject({ code: 'SYSTEM_DATABASE_DUPLICATE', databaseName: '_users' })
    expect((await backend.rootIds()).length).toBe(before)
  })

  it('a user database named like a system database is not mistaken for one', async () => {
    const { instance, backend } = await openInstance()
    await instance.createUser('mallory')
    await (await instance.loginUser('mallory')).createDatabase({ name: '_users' })
    await backend.setMetadata(SYSTEM_DATABASES_METADATA, '')
    expect((await Instance.open(backend)).systemDatabaseIds()).toEqual(instance.systemDatabaseIds())
  })

  it('recorded databases but no device key → DEVICE_KEY_MISSING (no silent new instance)', async () => {
    const { backend } = await openInstance()
    await backend.deleteLocalKey(DEVICE_KEY_NAME)
    await expect(Instance.open(backend)).rejects.toMatchObject({ code: 'DEVICE_KEY_MISSING' })
    expect(await backend.getLocalKey(DEVICE_KEY_NAME)).toBeUndefined()
  })

  it('a replaced or malformed device key → DEVICE_KEY_MISMATCH', async () => {
    const { backend } = await openInstance()
    await backend.putLocalKey(DEVICE_KEY_NAME, randomBytes(32))
    await expect(Instance.open(backend)).rejects.toMatchObject({ code: 'DEVICE_KEY_MISMATCH' })
    await backend.putLocalKey(DEVICE_KEY_NAME, randomBytes(16))
    await expect(Instance.open(backend)).rejects.toMatchObject({ code: 'DEVICE_KEY_MISMATCH' })
  })

  it('an _instance written by a newer format → UNSUPPORTED_FORMAT', async () => {
    const { instance, backend } = await openInstance()
    const seed = (await backend.getLocalKey(DEVICE_KEY_NAME))!
    const signer = { key: await ed25519.importSigningKey(seed), sigKey: DEVICE_KEY_NAME }
    const db = await Database.open(new Engine(backend), instance.systemDatabaseIds().instance, signer)
    const txn = await db.newTransaction()
    await (await txn.getStore('instance', DocStore)).set('formatVersion', 2)
    await txn.commit()
    await expect(Instance.open(backend)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' })
  })

  it('rejects a non-backend and bad options with TypeError', async () => {
    await expect(Instance.open(undefined as never)).rejects.toBeInstanceOf(TypeError)
    await expect(Instance.open({} as never)).rejects.toBeInstanceOf(TypeError)
    await expect(Instance.open(new MemoryBackend(), null as never)).rejects.toBeInstanceOf(TypeError)
    await expect(Instance.open(new MemoryBackend(), { sync: 'yes' as never })).rejects.toBeInstanceOf(TypeError)
  })
})
