import { describe, expect, it } from 'vitest'
import { runSchedule, runTamper } from './sim.js'

describe('fault simulation over InProcessNetwork (seeded; a failure names its seed)', () => {
  it('200 schedules of 3–5 instances with commits, syncs, drops, delays and partitions converge after healing', async () => {
    let commits = 0
    let dropped = 0
    for (let seed = 1; seed <= 200; seed++) {
      const r = await runSchedule(seed)
      commits += r.commits
      dropped += r.dropped
    }
    expect(commits).toBeGreaterThan(600)
    expect(dropped).toBeGreaterThan(0)
  }, 600_000)

  it('tamper corpus: 2,000 mutated entries over the wire, none shown; then every valid one is', async () => {
    for (let seed = 1; seed <= 4; seed++) {
      const r = await runTamper(seed, 500)
      expect(r.sent).toBe(500)
    }
  }, 120_000)
})
