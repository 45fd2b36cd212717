import {
  bytesToBase64,
  deriveKey,
  ed25519,
  formatPublicKey,
  randomBytes,
  utf8Encode,
  verify,
  type Ed25519,
  type SigningKey,
} from '@engram/crypto'
import { describe, expect, it } from 'vitest'
import { KeyManager, parseKeyRow } from '../src/keys/index.js'
import type { KeyRow } from '../src/types.js'

const FAST = { m: 64, t: 1, p: 1 }

async function freshKey() {
  const seed = randomBytes(32)
  const keyId = formatPublicKey(await ed25519.getPublicKey(seed))
  return { seed, keyId }
}

function row(keyId: string, stored: Pick<KeyRow, 'privateKey' | 'encryption'>): KeyRow {
  return { keyId, ...stored, displayName: null, createdAt: 1, isDefault: true, databaseSigKeys: {} }
}

describe('KeyManager', () => {
  it('seals a key with the derived key and opens it again in a new manager', async () => {
    const salt = randomBytes(16)
    const { seed, keyId } = await freshKey()
    const original = Uint8Array.from(seed)
    const writer = new KeyManager(ed25519, await deriveKey('pw', salt, FAST))
    expect(writer.sealsKeys).toBe(true)
    const stored = await writer.protect(keyId, seed)
    expect(stored.encryption.type).toBe('aes-256-gcm')
    expect(stored.privateKey).not.toContain(bytesToBase64(original))

    const reader = new KeyManager(ed25519, await deriveKey('pw', salt, FAST))
    await reader.unlock(row(keyId, stored))
    expect(await reader.seed(keyId)).toEqual(original)
  })

  it('a sealed key moved to another key id does not open (the key id is associated data)', async () => {
    const salt = randomBytes(16)
    const a = await freshKey()
    const b = await freshKey()
    const m = new KeyManager(ed25519, await deriveKey('pw', salt, FAST))
    const stored = await m.protect(a.keyId, a.seed)
    const other = new KeyManager(ed25519, await deriveKey('pw', salt, FAST))
    await expect(other.unlock(row(b.keyId, stored))).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
  })

  it('a wrong derived key gives CORRUPT_KEY, not a crash', async () => {
    const { seed, keyId } = await freshKey()
    const m = new KeyManager(ed25519, await deriveKey('right', randomBytes(16), FAST))
    const stored = await m.protect(keyId, seed)
    const wrong = new KeyManager(ed25519, await deriveKey('wrong', randomBytes(16), FAST))
    await expect(wrong.unlock(row(keyId, stored))).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
  })

  it('passwordless: stores the seed plain and checks it belongs to the key id', async () => {
    const { seed, keyId } = await freshKey()
    const m = new KeyManager(ed25519)
    expect(m.sealsKeys).toBe(false)
    const stored = await m.protect(keyId, seed)
    expect(stored).toEqual({ privateKey: bytesToBase64(seed), encryption: { type: 'none' } })
    const other = await freshKey()
    await expect(new KeyManager(ed25519).unlock(row(other.keyId, stored))).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
    await expect(
      new KeyManager(ed25519).unlock(row(keyId, { privateKey: 'not base64!', encryption: { type: 'none' } })),
    ).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
    await expect(
      new KeyManager(ed25519).unlock(row(keyId, { privateKey: bytesToBase64(randomBytes(16)), encryption: { type: 'none' } })),
    ).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
  })

  it('a sealed row cannot be opened by a passwordless manager', async () => {
    const { seed, keyId } = await freshKey()
    const stored = await new KeyManager(ed25519, await deriveKey('pw', randomBytes(16), FAST)).protect(keyId, seed)
    await expect(new KeyManager(ed25519).unlock(row(keyId, stored))).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
  })

  it('signing keys sign while live and refuse with SESSION_CLOSED after wipe; seeds are zero-filled', async () => {
    const derived = await deriveKey('pw', randomBytes(16), FAST)
    const m = new KeyManager(ed25519, derived)
    const { seed, keyId } = await freshKey()
    await m.add(keyId, seed)
    const key = m.signingKey(keyId)!
    const msg = utf8Encode('hello')
    expect(await verify(await key.sign(msg), msg, key.publicKey)).toBe(true)
    const held = (await m.seed(keyId))!
    m.wipe()
    expect(held.every((b) => b === 0)).toBe(true)
    expect(derived.every((b) => b === 0)).toBe(true)
    expect(m.wiped).toBe(true)
    await expect(key.sign(msg)).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
    await expect(m.seed(keyId)).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
    await expect(m.protect(keyId, randomBytes(32))).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
    m.wipe() // idempotent
  })

  it('signing keys offer signText (the entry signer\'s fast path): the same signature as sign over the UTF-8 bytes, refused after wipe', async () => {
    const m = new KeyManager(ed25519, await deriveKey('pw', randomBytes(16), FAST))
    const { seed, keyId } = await freshKey()
    await m.add(keyId, seed)
    const key = m.signingKey(keyId)!
    const text = '{"tree":"héllo ✓"}'
    expect(typeof key.signText).toBe('function')
    const viaText = await key.signText!(text)
    expect(viaText).toEqual(await key.sign(utf8Encode(text)))
    expect(await verify(viaText, utf8Encode(text), key.publicKey)).toBe(true)
    m.wipe()
    await expect(key.signText!(text)).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
  })

  it('a key prepared while the manager is being wiped is wiped too', async () => {
    const prepared: SigningKey[] = []
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const slow: Ed25519 = {
      ...ed25519,
      importSigningKey: async (seed) => {
        const key = await ed25519.importSigningKey(seed)
        prepared.push(key)
        await gate
        return key
      },
    }
    const m = new KeyManager(slow)
    const { seed, keyId } = await freshKey()
    await m.add(keyId, seed)
    const signing = m.signingKey(keyId)!.sign(utf8Encode('x'))
    await new Promise((resolve) => setTimeout(resolve, 0))
    m.wipe()
    release()
    await expect(signing).rejects.toMatchObject({ code: 'SESSION_CLOSED' })
    expect(prepared).toHaveLength(1)
    await expect(prepared[0]!.sign(utf8Encode('x'))).rejects.toMatchObject({ code: 'KEY_WIPED' })
  })

  it('register opens nothing; the key opens (and is checked) on first use, by seed() or a signature', async () => {
    const salt = randomBytes(16)
    const a = await freshKey()
    const b = await freshKey()
    const writer = new KeyManager(ed25519, await deriveKey('pw', salt, FAST))
    const sealedA = await writer.protect(a.keyId, Uint8Array.from(a.seed))
    const m = new KeyManager(ed25519, await deriveKey('pw', salt, FAST))
    // b's row carries a's ciphertext: registering succeeds, using it does not
    m.register(row(b.keyId, sealedA))
    m.register(row(a.keyId, sealedA))
    expect(m.has(a.keyId) && m.has(b.keyId)).toBe(true)
    await expect(m.seed(b.keyId)).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
    await expect(m.signingKey(b.keyId)!.sign(utf8Encode('x'))).rejects.toMatchObject({ code: 'CORRUPT_KEY' })
    const msg = utf8Encode('lazy')
    const key = m.signingKey(a.keyId)!
    expect(await verify(await key.sign(msg), msg, key.publicKey)).toBe(true)
    expect(await m.seed(a.keyId)).toEqual(a.seed)
    expect(() => m.register(row('not a key id', sealedA))).toThrow(expect.objectContaining({ code: 'CORRUPT_KEY' }))
  })

  it('unknown key ids give undefined', async () => {
    const m = new KeyManager(ed25519)
    expect(await m.seed('ed25519:nope')).toBeUndefined()
    expect(m.signingKey('ed25519:nope')).toBeUndefined()
    expect(m.has('ed25519:nope')).toBe(false)
  })
})

describe('parseKeyRow', () => {
  const good = { keyId: 'k', privateKey: 'AA==', encryption: { type: 'none' }, displayName: null, createdAt: 5, isDefault: false, databaseSigKeys: { d: 's' } }

  it('accepts a well-formed row and copies its mappings', () => {
    expect(parseKeyRow(good)).toEqual(good)
    expect(parseKeyRow({ ...good, databaseSigKeys: undefined }).databaseSigKeys).toEqual({})
  })

  it.each([
    ['not an object', 7],
    ['keyId', { ...good, keyId: 1 }],
    ['privateKey', { ...good, privateKey: [1, 2] }],
    ['encryption', { ...good, encryption: { type: 'rot13' } }],
    ['nonce', { ...good, encryption: { type: 'aes-256-gcm' } }],
    ['displayName', { ...good, displayName: 3 }],
    ['createdAt', { ...good, createdAt: 'yesterday' }],
    ['isDefault', { ...good, isDefault: 'yes' }],
    ['mappings', { ...good, databaseSigKeys: { d: 1 } }],
  ])('rejects a bad %s with CORRUPT_KEY', (_, value) => {
    expect(() => parseKeyRow(value)).toThrow(expect.objectContaining({ code: 'CORRUPT_KEY' }))
  })
})
