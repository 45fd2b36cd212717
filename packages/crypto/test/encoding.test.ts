import { describe, expect, it } from 'vitest'
import {
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  equalBytes,
  hexToBytes,
  randomBytes,
  utf8Decode,
  utf8Encode,
  wipe,
} from '@engram/crypto'
import { Buffer } from 'node:buffer'
import { portableBase64 } from '../src/encoding.js'

describe('base64', () => {
  it('matches Buffer for every length 0…100 (and long inputs) and round-trips', () => {
    for (const n of [...Array(101).keys(), 6143, 6144, 6145, 100_000]) {
      const bytes = randomBytes(n)
      const text = bytesToBase64(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64'))
      expect(portableBase64(bytes)).toBe(text)
      expect(bytesToBase64(bytes.subarray(1))).toBe(Buffer.from(bytes.subarray(1)).toString('base64'))
      expect(base64ToBytes(text)).toEqual(bytes)
    }
  })

  it('decodes strictly where Buffer is lenient', () => {
    const bad = [
      'A', // length not a multiple of 4
      'AB',
      'ABC',
      'AAAAA',
      'AB=C', // padding inside a group
      'A===', // too much padding
      '====',
      'AA=A',
      'AA==AAAA', // padding before the end
      'QQ=', // bad padding length
      'QR==', // non-zero padding bits (Buffer decodes it as "A")
      'QUJ=', // non-zero padding bits (Buffer: "AB")
      'AB-_', // url-safe alphabet
      'AB C', // whitespace
      ' ABC',
      'ABC\n',
      'ABé=', // non-ASCII
      'AB\u0000=',
    ]
    for (const text of bad) expect(() => base64ToBytes(text), JSON.stringify(text)).toThrow(TypeError)
    // Buffer accepts several of these: strictness is ours.
    expect(Buffer.from('QR==', 'base64')).toEqual(Buffer.from('A'))
    expect(Buffer.from('AB C', 'base64').length).toBeGreaterThan(0)
  })

  it('has one text form per byte string', () => {
    expect(base64ToBytes('QQ==')).toEqual(Uint8Array.of(0x41))
    expect(base64ToBytes('QUI=')).toEqual(Uint8Array.of(0x41, 0x42))
    expect(base64ToBytes('')).toEqual(new Uint8Array(0))
  })

  it('rejects non-string / non-byte arguments with TypeError', () => {
    for (const bad of [undefined, null, 1, {}, new Uint8Array(3)])
      expect(() => base64ToBytes(bad as string)).toThrow(TypeError)
    for (const bad of [undefined, null, 'abc', [1, 2, 3], new ArrayBuffer(3)])
      expect(() => bytesToBase64(bad as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('hex', () => {
  it('writes lowercase and reads either case', () => {
    const bytes = Uint8Array.of(0, 1, 0xab, 0xff)
    expect(bytesToHex(bytes)).toBe('0001abff')
    expect(hexToBytes('0001ABff')).toEqual(bytes)
    expect(hexToBytes('')).toEqual(new Uint8Array(0))
  })

  it('rejects odd length, non-hex and non-strings', () => {
    for (const bad of ['0', 'abc', 'zz', '0x00', ' 00', '00 '])
      expect(() => hexToBytes(bad), bad).toThrow(TypeError)
    expect(() => hexToBytes(12 as unknown as string)).toThrow(TypeError)
    expect(() => bytesToHex('00' as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('utf8', () => {
  it('round-trips text, including astral characters', () => {
    const text = 'héllo, 世界 🌍'
    expect(utf8Decode(utf8Encode(text))).toBe(text)
    expect(utf8Encode(text)).toEqual(new Uint8Array(Buffer.from(text, 'utf8')))
  })

  it('rejects invalid UTF-8 and wrong types', () => {
    expect(() => utf8Decode(Uint8Array.of(0xc3))).toThrow(TypeError)
    expect(() => utf8Decode(Uint8Array.of(0xff, 0xfe))).toThrow(TypeError)
    expect(() => utf8Encode(1 as unknown as string)).toThrow(TypeError)
    expect(() => utf8Decode('x' as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('randomBytes', () => {
  it('returns the requested length, including above 65536 bytes', () => {
    expect(randomBytes(0)).toHaveLength(0)
    const big = randomBytes(200_000)
    expect(big).toHaveLength(200_000)
    // the last chunk is filled too
    expect(big.subarray(196_608).some((b) => b !== 0)).toBe(true)
    expect(equalBytes(randomBytes(32), randomBytes(32))).toBe(false)
  })

  it('rejects bad lengths', () => {
    expect(() => randomBytes(-1)).toThrow(RangeError)
    expect(() => randomBytes(1.5)).toThrow(RangeError)
    expect(() => randomBytes('8' as unknown as number)).toThrow(TypeError)
  })
})

describe('wipe / equalBytes', () => {
  it('wipe zero-fills every array given and skips undefined', () => {
    const a = randomBytes(32)
    const b = Uint8Array.of(1, 2, 3)
    const whole = Uint8Array.of(9, 9, 9, 9)
    wipe(a, undefined, b, whole.subarray(1, 3))
    expect(a.every((x) => x === 0)).toBe(true)
    expect(b).toEqual(new Uint8Array(3))
    expect(whole).toEqual(Uint8Array.of(9, 0, 0, 9)) // only the view's bytes
    expect(() => wipe('secret' as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('equalBytes compares content and length', () => {
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true)
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false)
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false)
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true)
    expect(() => equalBytes([1] as unknown as Uint8Array, Uint8Array.of(1))).toThrow(TypeError)
  })
})

describe('byte arrays from another realm', () => {
  it('are accepted like local ones (instanceof alone would refuse them)', async () => {
    const { runInNewContext } = await import('node:vm')
    const foreign = runInNewContext('new Uint8Array([1, 2, 3])') as Uint8Array
    expect(foreign instanceof Uint8Array).toBe(false)
    expect(bytesToBase64(foreign)).toBe('AQID')
    expect(bytesToHex(foreign)).toBe('010203')
    expect(equalBytes(foreign, Uint8Array.of(1, 2, 3))).toBe(true)
  })
})
