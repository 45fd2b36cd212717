/**
 * libsodium as the Node fast path (issue 12): chosen when it loads, with a
 * working fallback to node:crypto when it cannot, and keys that are really
 * zeroed by `wipe()`.
 */
import Module from 'node:module'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { bytesToHex, nobleEd25519, randomBytes, utf8Encode } from '@engram/crypto'
import {
  createSodiumEd25519,
  loadSodiumNative,
  nodeEd25519,
  selectNodeEd25519,
  sodiumEd25519,
  trySodiumEd25519,
  type SodiumBinding,
} from '@engram/crypto/node'

const notInstalled = () => {
  throw Object.assign(new Error("Cannot find module 'sodium-native'"), { code: 'MODULE_NOT_FOUND' })
}

describe('selection on Node', () => {
  it('picks libsodium when sodium-native loads', () => {
    expect(sodiumEd25519?.name).toBe('sodium')
    expect(selectNodeEd25519({ env: {} })).toBe(sodiumEd25519)
    expect(selectNodeEd25519({ env: { ENGRAM_NO_SODIUM: '0' } })).toBe(sodiumEd25519)
  })

  it('falls back to node:crypto when sodium-native cannot load', () => {
    expect(trySodiumEd25519(notInstalled)).toBeUndefined()
    expect(selectNodeEd25519({ env: {}, loadSodium: notInstalled })).toBe(nodeEd25519)
  })

  it('honours ENGRAM_NO_SODIUM: libsodium is not even loaded', () => {
    const load = vi.fn(loadSodiumNative)
    expect(selectNodeEd25519({ env: { ENGRAM_NO_SODIUM: '1' }, loadSodium: load })).toBe(nodeEd25519)
    expect(load).not.toHaveBeenCalled()
  })

  it('does not use a libsodium binding that fails its self-test (a cofactored or broken build)', () => {
    const real = loadSodiumNative()
    // verifies like a cofactored library: accepts everything the real one accepts, plus R = rB + T
    const lenient: SodiumBinding = { ...real, crypto_sign_verify_detached: () => true }
    expect(trySodiumEd25519(() => lenient)).toBeUndefined()
    const wrongSignatures: SodiumBinding = {
      ...real,
      crypto_sign_detached: (signature, message, secretKey) => {
        real.crypto_sign_detached(signature, message, secretKey)
        signature[0]! ^= 1
      },
    }
    expect(trySodiumEd25519(() => wrongSignatures)).toBeUndefined()
    expect(selectNodeEd25519({ env: {}, loadSodium: () => lenient })).toBe(nodeEd25519)
  })
})

describe('the package default with sodium-native unavailable', () => {
  const originalLoad = (Module as unknown as { _load: (...args: unknown[]) => unknown })._load
  afterEach(() => {
    ;(Module as unknown as { _load: unknown })._load = originalLoad
    vi.unstubAllEnvs()
    vi.resetModules()
  })

  it('a fresh import of @engram/crypto, with require("sodium-native") failing, signs and verifies on node:crypto', async () => {
    ;(Module as unknown as { _load: unknown })._load = function (this: unknown, request: unknown, ...rest: unknown[]) {
      if (request === 'sodium-native') notInstalled()
      return originalLoad.call(this, request, ...rest)
    }
    vi.resetModules()
    const entry = await import('@engram/crypto')
    const node = await import('@engram/crypto/node')
    expect(entry.ed25519.name).toBe('node')
    expect(node.sodiumEd25519).toBeUndefined()
    const { publicKey, privateKey } = await entry.generateSigningKey()
    const message = utf8Encode('works without libsodium')
    const signature = await entry.sign(message, privateKey)
    expect(await entry.verify(signature, message, publicKey)).toBe(true)
    expect(bytesToHex(signature)).toBe(bytesToHex(await nobleEd25519.sign(message, privateKey)))
  })

  it('a fresh import with ENGRAM_NO_SODIUM=1 uses node:crypto; without it, libsodium', async () => {
    vi.stubEnv('ENGRAM_NO_SODIUM', '1')
    vi.resetModules()
    expect((await import('@engram/crypto')).ed25519.name).toBe('node')
    vi.unstubAllEnvs()
    vi.resetModules()
    expect((await import('@engram/crypto')).ed25519.name).toBe('sodium')
  })
})

describe('libsodium keys are zeroed by wipe()', () => {
  it('the secret key lives in sodium_malloc memory, and wipe() sodium_memzero-s it', async () => {
    const real = loadSodiumNative()
    const secrets: Uint8Array[] = []
    const zeroed: Uint8Array[] = []
    const spy: SodiumBinding = {
      ...real,
      sodium_malloc: (size) => {
        const buffer = real.sodium_malloc(size)
        secrets.push(buffer)
        return buffer
      },
      sodium_memzero: (buffer) => {
        zeroed.push(buffer)
        real.sodium_memzero(buffer)
      },
    }
    const impl = createSodiumEd25519(spy)
    const seed = randomBytes(32)
    const key = await impl.importSigningKey(seed)
    expect(secrets).toHaveLength(1)
    const secret = secrets[0]!
    expect((secret as Uint8Array & { secure?: boolean }).secure).toBe(true) // guarded sodium memory
    expect(bytesToHex(secret.subarray(0, 32))).toBe(bytesToHex(seed)) // libsodium's secret key is seed ‖ public key
    const message = utf8Encode('m')
    expect(bytesToHex(await key.sign(message))).toBe(bytesToHex(await nobleEd25519.sign(message, seed)))

    key.wipe!()
    expect(zeroed).toContain(secret)
    expect(secret.every((b) => b === 0)).toBe(true)
    await expect(key.sign(message)).rejects.toMatchObject({ code: 'KEY_WIPED' })
    await expect(key.signText!('m')).rejects.toMatchObject({ code: 'KEY_WIPED' })
  })

  it('one-off sign and getPublicKey leave no secret key behind', async () => {
    const real = loadSodiumNative()
    const zeroed: Uint8Array[] = []
    const impl = createSodiumEd25519({ ...real, sodium_memzero: (b) => (zeroed.push(b), real.sodium_memzero(b)) })
    const seed = randomBytes(32)
    await impl.sign(utf8Encode('m'), seed)
    await impl.getPublicKey(seed)
    expect(zeroed).toHaveLength(2)
    for (const b of zeroed) expect(b.every((x) => x === 0)).toBe(true)
  })

  it('signText signs the UTF-8 bytes of the text', async () => {
    const key = await sodiumEd25519!.importSigningKey(randomBytes(32))
    for (const text of ['', 'é✓😀', 'x'.repeat(5000)])
      expect(bytesToHex(await key.signText!(text))).toBe(bytesToHex(await key.sign(utf8Encode(text))))
  })

  it('verifyBatch of a large batch gives the event loop back between slices', async () => {
    const key = await sodiumEd25519!.importSigningKey(randomBytes(32))
    const message = utf8Encode('batch')
    const item = { signature: await key.sign(message), message, publicKey: key.publicKey }
    const items = Array.from({ length: 1000 }, (_, i) => (i % 7 === 3 ? { ...item, message: utf8Encode('other') } : item))
    let ticks = 0
    const immediate = setImmediate(() => ticks++) // runs only if the batch yields to the event loop
    const results = await sodiumEd25519!.verifyBatch(items)
    const ticksDuringBatch = ticks
    clearImmediate(immediate)
    expect(results).toEqual(items.map((_, i) => i % 7 !== 3))
    expect(ticksDuringBatch).toBe(1)
    // a small batch runs in one go
    let small = 0
    const other = setImmediate(() => small++)
    await sodiumEd25519!.verifyBatch(items.slice(0, 10))
    expect(small).toBe(0)
    clearImmediate(other)
  })
})
