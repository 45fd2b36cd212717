/** KeyManager with libsodium keys (Node only: `sodium-native`); the rest is in key-manager.test.ts. */
import { deriveKey, ed25519, formatPublicKey, parsePublicKey, randomBytes, utf8Encode, verify, type Ed25519, type SigningKey } from '@engram/crypto'
import { createSodiumEd25519, loadSodiumNative } from '@engram/crypto/node'
import { describe, expect, it } from 'vitest'
import { KeyManager } from '../src/keys/index.js'

const FAST = { m: 64, t: 1, p: 1 }

async function freshKey() {
  const seed = randomBytes(32)
  const keyId = formatPublicKey(await ed25519.getPublicKey(seed))
  return { seed, keyId }
}

describe('KeyManager on libsodium', () => {
  it('wipe reaches the prepared signing keys: libsodium secret keys are zeroed (sodium_memzero), every key refuses to sign', async () => {
    const sodium = loadSodiumNative()
    const secrets: Uint8Array[] = []
    const impl = createSodiumEd25519({
      ...sodium,
      sodium_malloc: (size) => {
        const buffer = sodium.sodium_malloc(size)
        secrets.push(buffer)
        return buffer
      },
    })
    const prepared: SigningKey[] = []
    const recording: Ed25519 = {
      ...impl,
      importSigningKey: async (seed) => {
        const key = await impl.importSigningKey(seed)
        prepared.push(key)
        return key
      },
    }
    const m = new KeyManager(recording, await deriveKey('pw', randomBytes(16), FAST))
    const msg = utf8Encode('hello')
    for (let i = 0; i < 3; i++) {
      const { seed, keyId } = await freshKey()
      await m.add(keyId, seed)
      expect(await verify(await m.signingKey(keyId)!.sign(msg), msg, parsePublicKey(keyId))).toBe(true)
    }
    expect(prepared).toHaveLength(3)
    expect(secrets).toHaveLength(3)
    expect(secrets.every((s) => s.some((b) => b !== 0))).toBe(true)
    m.wipe()
    expect(secrets.every((s) => s.every((b) => b === 0))).toBe(true)
    for (const key of prepared) await expect(key.sign(msg)).rejects.toMatchObject({ code: 'KEY_WIPED' })
  })
})
