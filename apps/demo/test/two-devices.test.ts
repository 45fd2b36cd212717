import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runTwoDevices } from '../src/two-devices.js'

const FAST = { m: 64, t: 1, p: 1 }
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engram-two-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the two-device demo', () => {
  it('bootstraps with progress after an approved request, converges after concurrent edits, and again on a second run', async () => {
    const lines: string[] = []
    const code = await runTwoDevices({ dataDir: dir, out: (l) => lines.push(l), history: 600, argon2: FAST })
    const text = lines.join('\n')
    expect(code, text).toBe(0)
    expect(text).toMatch(/request \w+ is pending on device A/)
    expect(text).toMatch(/alice approved request/)
    expect(text).toMatch(/bootstrap: 250\/602 entries/)
    expect(text).toMatch(/Converged: both devices hold the same tips/)
    const again: string[] = []
    expect(await runTwoDevices({ dataDir: dir, out: (l) => again.push(l), argon2: FAST }), again.join('\n')).toBe(0)
    expect(again.join('\n')).toMatch(/Device A \(alice\) reopened/)
    expect(again.join('\n')).toMatch(/Converged/)
  }, 60_000)
})
