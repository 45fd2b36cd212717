import { describe, expect, it } from 'vitest'
import { bytesToHex, hashBytes, hashText, isId, nobleSha256, parseId, sha256, utf8Encode } from '@engram/crypto'
import * as portable from '../src/index.js'
import { nodeSha256 } from '@engram/crypto/node'
import { createHash } from 'node:crypto'

// FIPS 180-2 appendix B and the NIST example values.
const KNOWN: [string, Uint8Array, string][] = [
  ['empty', new Uint8Array(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['"abc"', utf8Encode('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [
    '448-bit message',
    utf8Encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  ],
  ['one million "a"', new Uint8Array(1_000_000).fill(0x61), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
]

const engines: [string, (b: Uint8Array) => Uint8Array][] = [
  ['default (node entry)', sha256],
  ['node:crypto', nodeSha256],
  ['noble', nobleSha256],
]

describe.each(engines)('SHA-256 %s', (_, hash) => {
  it.each(KNOWN)('known answer: %s', (_, input, hex) => {
    expect(bytesToHex(hash(input))).toBe(hex)
  })

  it('matches node:crypto on 1 MiB of "a" and on odd-sized views', () => {
    const mib = new Uint8Array(1 << 20).fill(0x61)
    expect(bytesToHex(hash(mib))).toBe(createHash('sha256').update(mib).digest('hex'))
    const view = mib.subarray(3, 1000) // a view with an offset
    expect(bytesToHex(hash(view))).toBe(createHash('sha256').update(view).digest('hex'))
  })
})

describe('content ids', () => {
  it('hashBytes is sha256: + 64 lowercase hex', () => {
    expect(hashBytes(utf8Encode('abc'))).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    const id = hashBytes(new Uint8Array(10))
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(parseId(id)).toBe(id)
    expect(isId(id)).toBe(true)
  })

  it('parseId throws INVALID_ID for every malformed id; isId says false', () => {
    const hex = 'ab'.repeat(32)
    const bad: unknown[] = [
      '',
      hex, // no prefix
      'sha256:',
      'sha256:' + hex.slice(1), // 63 digits
      'sha256:' + hex + '0', // 65 digits
      'sha256:' + hex.toUpperCase(),
      'SHA256:' + hex,
      'blake3:' + hex, // parsed by the reference, never produced: not accepted here
      'md5:' + hex,
      'sha256:' + hex.slice(0, 62) + 'zz',
      'sha256: ' + hex.slice(1),
      'sha256:' + hex + '\n',
      undefined,
      null,
      42,
      { id: 'sha256:' + hex },
    ]
    for (const text of bad) {
      let code: string | undefined
      try {
        parseId(text)
      } catch (err) {
        code = (err as { code?: string }).code
      }
      expect(code, JSON.stringify(text)).toBe('INVALID_ID')
      expect(isId(text)).toBe(false)
    }
  })

  it('sha256 and hashBytes reject non-bytes with TypeError', () => {
    for (const bad of [undefined, 'abc', [1, 2], new ArrayBuffer(4)]) {
      expect(() => sha256(bad as unknown as Uint8Array)).toThrow(TypeError)
      expect(() => hashBytes(bad as unknown as Uint8Array)).toThrow(TypeError)
    }
  })
})

describe('hashText', () => {
  const texts = ['', 'abc', 'é✓😀', 'a"b\\c\n', '\ud800 lone surrogate', 'x'.repeat(100_000)]
  it('is hashBytes over the UTF-8 bytes, on the Node entry and the portable one', () => {
    for (const text of texts) {
      const expected = 'sha256:' + createHash('sha256').update(new TextEncoder().encode(text)).digest('hex')
      expect(hashText(text)).toBe(expected)
      expect(hashBytes(utf8Encode(text))).toBe(expected)
      expect(portable.hashText(text)).toBe(expected)
    }
  })

  it('rejects a non-string with TypeError', () => {
    for (const bad of [undefined, null, 1, new Uint8Array(2)]) expect(() => hashText(bad as unknown as string)).toThrow(TypeError)
  })
})
