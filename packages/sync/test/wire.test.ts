import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Permission, type Database } from '@engram/database'
import { bytesToBase64, randomBytes } from '@engram/crypto'
import { handshakeBytes } from '../src/protocol.js'
import { node, put, shared, type Node } from './helpers.js'
import { accessSignature, handshake, post, proof, rawKey, type RawKey } from './wire.js'

let a: Node
let db: Database
let publicDb: Database
let reader: RawKey
let clock = 0

beforeAll(async () => {
  a = await node('alice', 'http', { clock: () => clock })
  db = await shared(a)
  await put(db, 'secret', 1)
  publicDb = await shared(a, 'public', { wildcard: 'read' })
  await put(publicDb, 'hello', 'world')
  reader = await rawKey()
  const txn = await db.newTransaction()
  await (await txn.getSettingsStore()).addKey('reader', { pubkey: reader.publicKey, permission: Permission.read() })
  await txn.commit()
})
afterAll(async () => {
  await a.sync.close()
})

async function stillServes(): Promise<void> {
  const r = await post(a.address, { v: 1, type: 'hello', clientKey: reader.publicKey, clientChallenge: bytesToBase64(randomBytes(32)) })
  expect(r.status).toBe(200)
  expect(r.json.type).toBe('hello')
}

describe('wire: bad input gets a typed error and the server keeps serving', () => {
  it('malformed JSON → 400 BAD_REQUEST', async () => {
    const r = await post(a.address, '{"v":1,')
    expect(r.status).toBe(400)
    expect(r.json.error.code).toBe('BAD_REQUEST')
    await stillServes()
  })

  it('an unknown type, a non-object, a wrong field → 400', async () => {
    for (const body of [{ v: 1, type: 'teleport' }, [1, 2], 'null', { v: 1, type: 'hello', clientKey: 'nope', clientChallenge: 'AA==' }]) {
      const r = await post(a.address, body)
      expect(r.status).toBe(400)
      expect(typeof r.json.error.code).toBe('string')
      expect(typeof r.json.error.message).toBe('string')
    }
    await stillServes()
  })

  it('a version other than 1 → 400 PROTOCOL_MISMATCH', async () => {
    for (const v of [0, 2, '1', undefined]) {
      const r = await post(a.address, { v, type: 'hello' })
      expect(r.status).toBe(400)
      expect(r.json.error.code).toBe('PROTOCOL_MISMATCH')
    }
    await stillServes()
  })

  it('a body over 16 MiB → 413', async () => {
    const big = JSON.stringify({ v: 1, type: 'push', pad: 'x'.repeat(16 * 1024 * 1024 + 10) })
    const r = await post(a.address, big)
    expect(r.status).toBe(413)
    expect(r.json.error.code).toBe('PAYLOAD_TOO_LARGE')
    await stillServes()
  })

  it('another path or method → 404, a typed error body', async () => {
    const res = await fetch(`http://${a.address}/api/v0`, { method: 'POST', body: '{}' })
    expect(res.status).toBe(404)
    expect((await res.json()).error.code).toBe('BAD_REQUEST')
  })
})

describe('wire: handshake', () => {
  it('the server proves its key over both device keys and the client challenge', async () => {
    const me = await rawKey()
    const clientChallenge = bytesToBase64(randomBytes(32))
    const hello = await post(a.address, { v: 1, type: 'hello', clientKey: me.publicKey, clientChallenge })
    expect(hello.json.serverKey).toBe(a.instance.devicePublicKey())
    const { ed25519, base64ToBytes, parsePublicKey } = await import('@engram/crypto')
    const ok = await ed25519.verify(
      base64ToBytes(hello.json.serverProof),
      handshakeBytes('server', me.publicKey, hello.json.serverKey, clientChallenge),
      parsePublicKey(hello.json.serverKey),
    )
    expect(ok).toBe(true)
  })

  it('a bad proof → HANDSHAKE_FAILED; a replayed prove (challenge used) → HANDSHAKE_FAILED', async () => {
    const me = await rawKey()
    const hs = await handshake(a.address, me)
    const replay = await post(a.address, hs.prove)
    expect(replay.status).toBe(401)
    expect(replay.json.error.code).toBe('HANDSHAKE_FAILED')
    // A proof by another key, a proof of other bytes
    const clientChallenge = bytesToBase64(randomBytes(32))
    const hello = await post(a.address, { v: 1, type: 'hello', clientKey: me.publicKey, clientChallenge })
    const other = await rawKey()
    const bad = await post(a.address, {
      v: 1,
      type: 'prove',
      clientKey: me.publicKey,
      serverChallenge: hello.json.serverChallenge,
      clientProof: await other.sign(handshakeBytes('client', me.publicKey, hello.json.serverKey, hello.json.serverChallenge)),
    })
    expect(bad.json.error.code).toBe('HANDSHAKE_FAILED')
    // The challenge was consumed by the failed attempt too.
    const retry = await post(a.address, {
      v: 1,
      type: 'prove',
      clientKey: me.publicKey,
      serverChallenge: hello.json.serverChallenge,
      clientProof: await me.sign(handshakeBytes('client', me.publicKey, hello.json.serverKey, hello.json.serverChallenge)),
    })
    expect(retry.json.error.code).toBe('HANDSHAKE_FAILED')
    await stillServes()
  })

  it('a challenge issued to one key cannot be proved by another; an expired challenge fails', async () => {
    const me = await rawKey()
    const thief = await rawKey()
    const hello = await post(a.address, { v: 1, type: 'hello', clientKey: me.publicKey, clientChallenge: bytesToBase64(randomBytes(32)) })
    const stolen = await post(a.address, {
      v: 1,
      type: 'prove',
      clientKey: thief.publicKey,
      serverChallenge: hello.json.serverChallenge,
      clientProof: await thief.sign(handshakeBytes('client', thief.publicKey, hello.json.serverKey, hello.json.serverChallenge)),
    })
    expect(stolen.json.error.code).toBe('HANDSHAKE_FAILED')
    const hello2 = await post(a.address, { v: 1, type: 'hello', clientKey: me.publicKey, clientChallenge: bytesToBase64(randomBytes(32)) })
    clock += 31_000
    const late = await post(a.address, {
      v: 1,
      type: 'prove',
      clientKey: me.publicKey,
      serverChallenge: hello2.json.serverChallenge,
      clientProof: await me.sign(handshakeBytes('client', me.publicKey, hello2.json.serverKey, hello2.json.serverChallenge)),
    })
    expect(late.json.error.code).toBe('HANDSHAKE_FAILED')
  })

  it('a made-up or expired token → HANDSHAKE_FAILED on every request type', async () => {
    const fake = bytesToBase64(randomBytes(32))
    for (const body of [
      { v: 1, type: 'pull', token: fake, databaseId: publicDb.id, tips: [] },
      { v: 1, type: 'push', token: fake, databaseId: publicDb.id, entries: [] },
    ]) {
      const r = await post(a.address, body)
      expect(r.status).toBe(401)
      expect(r.json.error.code).toBe('HANDSHAKE_FAILED')
    }
    const me = await rawKey()
    const { token } = await handshake(a.address, me)
    expect((await post(a.address, { v: 1, type: 'pull', token, databaseId: publicDb.id, tips: [] })).status).toBe(200)
    clock += 11 * 60_000
    const stale = await post(a.address, { v: 1, type: 'pull', token, databaseId: publicDb.id, tips: [] })
    expect(stale.json.error.code).toBe('HANDSHAKE_FAILED')
    await stillServes()
  })
})

describe('wire: serving rules on every request', () => {
  it('a stranger gets DATABASE_NOT_FOUND for bootstrap, incremental pull and push of a private database', async () => {
    const stranger = await rawKey()
    const { token } = await handshake(a.address, stranger)
    const tips = await db.getTips()
    const entries = (await db.getAllEntries()).map((e) => e.entry)
    for (const body of [
      { v: 1, type: 'pull', token, databaseId: db.id, tips: [] },
      { v: 1, type: 'pull', token, databaseId: db.id, tips, seen: tips },
      // fabricated tips (the reference's hole): still nothing
      { v: 1, type: 'pull', token, databaseId: db.id, tips: ['sha256:' + 'ab'.repeat(32)] },
      { v: 1, type: 'push', token, databaseId: db.id, entries },
      { v: 1, type: 'pull', token, databaseId: 'sha256:' + 'cd'.repeat(32), tips: [] },
    ]) {
      const r = await post(a.address, body)
      expect(r.status).toBe(404)
      expect(r.json.error.code).toBe('DATABASE_NOT_FOUND')
    }
    // a proof by a key the stranger does not hold does not verify
    const forged = { publicKey: reader.publicKey, signature: (await proof(stranger, token, db.id)).signature }
    const r = await post(a.address, { v: 1, type: 'pull', token, databaseId: db.id, tips: [], proofs: [forged] })
    expect(r.json.error.code).toBe('HANDSHAKE_FAILED')
  })

  it('a proven Read key is served; revoked a moment ago, its next request is refused', async () => {
    const device = await rawKey()
    const { token } = await handshake(a.address, device)
    const pull = async () =>
      post(a.address, { v: 1, type: 'pull', token, databaseId: db.id, tips: [], proofs: [await proof(reader, token, db.id)] })
    const ok = await pull()
    expect(ok.status).toBe(200)
    expect(ok.json.entries.length).toBe((await db.getAllEntries()).length)
    const txn = await db.newTransaction()
    await (await txn.getSettingsStore()).revokeKey('reader')
    await txn.commit()
    const refused = await pull()
    expect(refused.json.error.code).toBe('DATABASE_NOT_FOUND')
    const push = await post(a.address, { v: 1, type: 'push', token, databaseId: db.id, entries: [], proofs: [await proof(reader, token, db.id)] })
    expect(push.json.error.code).toBe('DATABASE_NOT_FOUND')
    // re-grant for the other tests
    const t2 = await db.newTransaction()
    await (await t2.getSettingsStore()).setKey('reader', { pubkey: reader.publicKey, permission: Permission.read(), status: 'active' })
    await t2.commit()
    expect((await pull()).status).toBe(200)
  })

  it('a proof is bound to its token and database: replayed under another token it fails', async () => {
    const d1 = await rawKey()
    const d2 = await rawKey()
    const h1 = await handshake(a.address, d1)
    const h2 = await handshake(a.address, d2)
    const p = await proof(reader, h1.token, db.id)
    const r = await post(a.address, { v: 1, type: 'pull', token: h2.token, databaseId: db.id, tips: [], proofs: [p] })
    expect(r.json.error.code).toBe('HANDSHAKE_FAILED')
  })

  it('an untracked database is refused at once, then served again when tracked', async () => {
    const stranger = await rawKey()
    const { token } = await handshake(a.address, stranger)
    const pull = () => post(a.address, { v: 1, type: 'pull', token, databaseId: publicDb.id, tips: [] })
    expect((await pull()).status).toBe(200)
    await a.user.untrackDatabase(publicDb.id)
    expect((await pull()).json.error.code).toBe('DATABASE_NOT_FOUND')
    await a.user.trackDatabase({ databaseId: publicDb.id, syncSettings: { syncEnabled: false, syncOnCommit: false } })
    expect((await pull()).json.error.code).toBe('DATABASE_NOT_FOUND')
    await a.user.trackDatabase({ databaseId: publicDb.id, syncSettings: { syncEnabled: true, syncOnCommit: false } })
    expect((await pull()).status).toBe(200)
  })

  it('system databases are never served', async () => {
    const stranger = await rawKey()
    const { token } = await handshake(a.address, stranger)
    for (const id of Object.values(a.instance.systemDatabaseIds())) {
      const r = await post(a.address, { v: 1, type: 'pull', token, databaseId: id, tips: [] })
      expect(r.json.error.code).toBe('DATABASE_NOT_FOUND')
    }
  })

  it('push: entries of another database and malformed ones are counted failed and never stored; a forged one too', async () => {
    const stranger = await rawKey()
    const { token } = await handshake(a.address, stranger)
    const strangers = await node('mallory', 'http')
    try {
      const theirs = await strangers.user.createDatabase({ name: 'spam' })
      await put(theirs, 'k', 1)
      const spam = (await theirs.getAllEntries()).map((e) => e.entry)
      const r = await post(a.address, { v: 1, type: 'push', token, databaseId: publicDb.id, entries: [...spam, { junk: true }] })
      expect(r.status).toBe(200)
      expect(r.json).toMatchObject({ type: 'pushed', verified: 0, pending: 0, failed: spam.length + 1 })
      for (const e of await theirs.getAllEntries()) expect(await a.backend.has(e.id)).toBe(false)
      // A well-signed entry of the public database by a key that only has Read (via *): failed, never shown.
      const { EntryBuilder, signEntry, Doc } = await import('@engram/database')
      const { ed25519, generateSigningKey } = await import('@engram/crypto')
      const pair = await generateSigningKey()
      const key = await ed25519.importSigningKey(pair.privateKey)
      const tips = await publicDb.getTips()
      const entry = new EntryBuilder(publicDb.id)
        .setParents(tips)
        .setSubtreeParents('data', [...(await a.backend.getStoreTipsUpTo(publicDb.id, 'data', tips))])
        .setSubtreeData('data', Doc.fromJSON({ hello: 'pwned' }).encode())
        .setSig({ sig: null, key: '*', pubkey: stranger.publicKey })
        .build()
      entry.sig.pubkey = (await import('@engram/crypto')).formatPublicKey(pair.publicKey)
      const id = await signEntry(entry, key)
      const f = await post(a.address, { v: 1, type: 'push', token, databaseId: publicDb.id, entries: [entry] })
      expect(f.json).toMatchObject({ verified: 0, failed: 1 })
      expect(await a.backend.getStatus(id)).toBe('failed')
      expect((await (await publicDb.getStore('data', (await import('@engram/database')).DocStore)).toJSON()).hello).toBe('world')
    } finally {
      await strangers.sync.close()
    }
  })

  it('access: a bad signature → HANDSHAKE_FAILED; an unserved database → DATABASE_NOT_FOUND and no request stored', async () => {
    const device = await rawKey()
    const who = await rawKey()
    const { token } = await handshake(a.address, device)
    const bad = await post(a.address, {
      v: 1,
      type: 'access',
      token,
      databaseId: db.id,
      publicKey: who.publicKey,
      permission: Permission.write(10),
      signature: await accessSignature(device, token, db.id, Permission.write(10)),
    })
    expect(bad.json.error.code).toBe('HANDSHAKE_FAILED')
    const missing = 'sha256:' + 'ef'.repeat(32)
    const nf = await post(a.address, {
      v: 1,
      type: 'access',
      token,
      databaseId: missing,
      publicKey: who.publicKey,
      permission: Permission.write(10),
      signature: await accessSignature(who, token, missing, Permission.write(10)),
    })
    expect(nf.json.error.code).toBe('DATABASE_NOT_FOUND')
    expect(await a.sync.bootstrapRequests()).toEqual([])
  })
})
