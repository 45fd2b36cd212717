import { afterEach, describe, expect, it, vi } from 'vitest'
import * as nodeEntry from '@engram/crypto'
import * as portableEntry from '../src/index.js'
import { bytesToHex, isWebCryptoEd25519Supported, nobleEd25519, utf8Encode, webCryptoEd25519 } from '@engram/crypto'
import { sodiumEd25519 } from '@engram/crypto/node'

// Every name in API-PLAN.md, which the other packages code against.
const API_PLAN_NAMES = [
  'EngramError',
  'InvalidPublicKeyError',
  'InvalidIdError',
  'DecryptionFailedError',
  'InvalidPasswordHashError',
  'bytesToBase64',
  'base64ToBytes',
  'bytesToHex',
  'hexToBytes',
  'utf8Encode',
  'utf8Decode',
  'randomBytes',
  'wipe',
  'equalBytes',
  'ed25519',
  'nobleEd25519',
  'webCryptoEd25519',
  'generateSigningKey',
  'sign',
  'verify',
  'formatPublicKey',
  'parsePublicKey',
  'isPublicKey',
  'sha256',
  'hashBytes',
  'parseId',
  'isId',
  'DEFAULT_ARGON2',
  'hashPassword',
  'verifyPassword',
  'deriveKey',
  'seal',
  'open',
]

describe('entry points', () => {
  it('export every API-PLAN name, and the same names on Node and elsewhere', () => {
    for (const name of API_PLAN_NAMES) {
      expect(nodeEntry, name).toHaveProperty(name)
      expect(portableEntry, name).toHaveProperty(name)
    }
    expect(Object.keys(nodeEntry).sort()).toEqual(Object.keys(portableEntry).sort())
    expect(Object.keys(nodeEntry)).not.toContain('setSha256') // internal hook stays internal
  })

  it('on Node, the default Ed25519 is libsodium (sodium-native loads on this platform)', async () => {
    expect(sodiumEd25519).toBeDefined()
    expect(nodeEntry.ed25519).toBe(sodiumEd25519)
    expect(nodeEntry.ed25519.name).toBe('sodium')
    expect(await nodeEntry.detectEd25519()).toBe(sodiumEd25519)
  })

  it('errors carry stable codes and extend EngramError', () => {
    const errors = [
      [new nodeEntry.InvalidPublicKeyError('x'), 'INVALID_PUBLIC_KEY'],
      [new nodeEntry.InvalidIdError('x'), 'INVALID_ID'],
      [new nodeEntry.DecryptionFailedError(), 'DECRYPTION_FAILED'],
      [new nodeEntry.InvalidPasswordHashError('x'), 'INVALID_PASSWORD_HASH'],
      [new nodeEntry.UnsupportedError('x'), 'UNSUPPORTED'],
      [new nodeEntry.KeyWipedError(), 'KEY_WIPED'],
    ] as const
    for (const [err, code] of errors) {
      expect(err).toBeInstanceOf(nodeEntry.EngramError)
      expect(err).toBeInstanceOf(Error)
      expect(err.code).toBe(code)
      expect(err.name).toBe(err.constructor.name)
    }
  })
})

describe.each([
  ['node entry', nodeEntry],
  ['portable entry', portableEntry],
] as const)('%s shortcuts', (_, entry) => {
  it('generateSigningKey makes a fresh key pair that signs and verifies', async () => {
    const a = await entry.generateSigningKey()
    const b = await entry.generateSigningKey()
    expect(a.privateKey).toHaveLength(32)
    expect(a.publicKey).toHaveLength(32)
    expect(bytesToHex(a.privateKey)).not.toBe(bytesToHex(b.privateKey))
    expect(a.publicKey).toEqual(await nobleEd25519.getPublicKey(a.privateKey))
    const message = utf8Encode('entry bytes')
    const sig = await entry.sign(message, a.privateKey)
    expect(sig).toEqual(await nobleEd25519.sign(message, a.privateKey))
    expect(await entry.verify(sig, message, a.publicKey)).toBe(true)
    expect(await entry.verify(sig, message, b.publicKey)).toBe(false)
    expect(await entry.verify(sig.subarray(1), message, a.publicKey)).toBe(false)
    expect(entry.parsePublicKey(entry.formatPublicKey(a.publicKey))).toEqual(a.publicKey)
  })
})

describe('portable default dispatcher', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  it('picks WebCrypto where it passes the self-test (Node 20 has Ed25519 in crypto.subtle)', async () => {
    expect(await isWebCryptoEd25519Supported()).toBe(true)
    const chosen = await portableEntry.detectEd25519()
    expect(chosen.name).toBe('webcrypto')
    expect(portableEntry.ed25519.name).toBe('webcrypto')
    expect(await portableEntry.detectEd25519()).toBe(chosen) // decided once
  })

  it('falls back to noble where crypto.subtle has no Ed25519', async () => {
    const real = globalThis.crypto
    const notSupported = () => Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
    const subtle = { importKey: notSupported, sign: notSupported, verify: notSupported, exportKey: notSupported }
    vi.stubGlobal('crypto', { getRandomValues: real.getRandomValues.bind(real), subtle })
    vi.resetModules()
    const fresh = await import('../src/index.js')
    expect(fresh.ed25519.name).toBe('noble') // before the choice, and after:
    const key = await fresh.generateSigningKey()
    const message = utf8Encode('m')
    expect(await fresh.verify(await fresh.sign(message, key.privateKey), message, key.publicKey)).toBe(true)
    expect(fresh.ed25519.name).toBe('noble')
  })
})

describe('WebCrypto feature detection', () => {
  it('is false without crypto.subtle, or with one lacking or mis-implementing Ed25519', async () => {
    expect(await isWebCryptoEd25519Supported(null as never)).toBe(false)
    const rejecting = { importKey: () => Promise.reject(new DOMException('no', 'NotSupportedError')) }
    expect(await isWebCryptoEd25519Supported(rejecting as never)).toBe(false)
    // A subtle that "signs" with the wrong bytes fails the RFC 8032 self-test.
    const real = globalThis.crypto.subtle
    const wrong = {
      importKey: real.importKey.bind(real),
      exportKey: real.exportKey.bind(real),
      verify: real.verify.bind(real),
      sign: async () => new Uint8Array(64).buffer,
    }
    expect(await isWebCryptoEd25519Supported(wrong as never)).toBe(false)
  })

  it('webCryptoEd25519 without any crypto.subtle is UNSUPPORTED', () => {
    let code: string | undefined
    try {
      webCryptoEd25519(null as never)
    } catch (err) {
      code = (err as { code?: string }).code
    }
    expect(code).toBe('UNSUPPORTED')
  })
})
