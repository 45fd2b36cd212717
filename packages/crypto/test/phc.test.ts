import { describe, expect, it } from 'vitest'
import { bytesToHex, parsePasswordHash, utf8Encode } from '@engram/crypto'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

const GOOD = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'

describe('parsePasswordHash', () => {
  it('reads parameters, salt and hash', () => {
    const { params, salt, hash } = parsePasswordHash(GOOD)
    expect(params).toEqual({ m: 65536, t: 2, p: 1 })
    expect(salt).toEqual(utf8Encode('somesalt'))
    expect(bytesToHex(hash)).toBe('09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7')
  })

  it('throws INVALID_PASSWORD_HASH for anything but a bounded, canonical argon2id v=19 string', () => {
    const salt = 'c29tZXNhbHQ'
    const hash = 'CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'
    const bad: unknown[] = [
      '',
      'x',
      '$',
      '$argon2id',
      '$argon2id$',
      `$argon2i$v=19$m=65536,t=2,p=1$${salt}$${hash}`, // other variants
      `$argon2d$v=19$m=65536,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=16$m=65536,t=2,p=1$${salt}$${hash}`, // old version
      `$argon2id$m=65536,t=2,p=1$${salt}$${hash}`, // version missing
      `$argon2id$v=019$m=65536,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=065536,t=2,p=1$${salt}$${hash}`, // leading zero
      `$argon2id$v=19$t=2,m=65536,p=1$${salt}$${hash}`, // order
      `$argon2id$v=19$m=65536,t=2$${salt}$${hash}`, // missing p
      `$argon2id$v=19$m=65536,t=2,p=1,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=65536,t=2,p=1,keyid=abc$${salt}$${hash}`,
      `$argon2id$v=19$m=-1,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=0,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=65536,t=0,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=65536,t=2,p=0$${salt}$${hash}`,
      `$argon2id$v=19$m=65536,t=2,p=1$${salt}`, // no hash
      `$argon2id$v=19$m=65536,t=2,p=1$${salt}$`,
      `$argon2id$v=19$m=65536,t=2,p=1$$${hash}`,
      `$argon2id$v=19$m=65536,t=2,p=1$${salt}=$${hash}`, // padded
      `$argon2id$v=19$m=65536,t=2,p=1$${salt}$${hash}=`,
      `$argon2id$v=19$m=65536,t=2,p=1$${salt}$${hash.slice(0, -1)}d`, // non-zero trailing bits
      `$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHR$${hash}`, // non-zero trailing bits in the salt
      `$argon2id$v=19$m=65536,t=2,p=1$${salt}$${hash}AA`, // impossible base64 length (4n + 1 chars)
      `$argon2id$v=19$m=65536,t=2,p=1$c29-ZXNhbHQ$${hash}`, // url-safe alphabet
      `$argon2id$v=19$m=65536,t=2,p=1$c29tZXM$${hash}`, // salt of 5 bytes
      `$argon2id$v=19$m=65536,t=2,p=1$${'A'.repeat(88)}$${hash}`, // salt of 66 bytes
      `$argon2id$v=19$m=65536,t=2,p=1$${salt}$AAA`, // hash of 2 bytes
      `$argon2id$v=19$m=65536,t=2,p=1$${salt}$${'A'.repeat(88)}`, // hash of 66 bytes
      ` ${GOOD}`,
      `${GOOD}\n`,
      // Hostile costs: must be refused, not attempted.
      `$argon2id$v=19$m=4194304,t=2,p=1$${salt}$${hash}`, // 4 GiB
      `$argon2id$v=19$m=9999999,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=99999999999,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=65536,t=1000000,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=65536,t=2,p=255$${salt}$${hash}`,
      `$argon2id$v=19$m=8,t=2,p=2$${salt}$${hash}`, // below 8 KiB per lane
      undefined,
      null,
      42,
      { phc: GOOD },
    ]
    for (const phc of bad) expect(codeOf(() => parsePasswordHash(phc)), String(phc)).toBe('INVALID_PASSWORD_HASH')
  })
})
