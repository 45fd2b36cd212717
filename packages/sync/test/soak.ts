/**
 * `pnpm soak`: ≥ 1,000 fault schedules and ≥ 10,000 tamper mutations
 * (SOAK_SCHEDULES / SOAK_MUTATIONS / SOAK_FROM override). Prints counts; exits 1 on the first failure, naming its seed.
 */
import { describe, expect, it } from 'vitest'
import { runSchedule, runTamper } from './sim.js'

const schedules = Number(process.env.SOAK_SCHEDULES ?? 1000)
const mutations = Number(process.env.SOAK_MUTATIONS ?? 10_000)
const from = Number(process.env.SOAK_FROM ?? 10_000)

describe('soak', () => {
  it(`${schedules} fault schedules converge`, async () => {
    let commits = 0
    let syncs = 0
    let failedSyncs = 0
    let dropped = 0
    for (let seed = from; seed < from + schedules; seed++) {
      const r = await runSchedule(seed, 20)
      commits += r.commits
      syncs += r.syncs
      failedSyncs += r.failedSyncs
      dropped += r.dropped
    }
    process.stdout.write(`soak: ${schedules} schedules, ${commits} commits, ${syncs} syncs (${failedSyncs} failed by faults), ${dropped} messages dropped — all converged\n`)
    expect(commits).toBeGreaterThan(0)
  }, 3_600_000)

  it(`${mutations} tampered entries over the wire: none shown, every valid one shown`, async () => {
    let sent = 0
    let refused = 0
    for (let seed = from; sent < mutations; seed++) {
      const r = await runTamper(seed, Math.min(1000, mutations - sent))
      sent += r.sent
      refused += r.refused
    }
    process.stdout.write(`soak: ${sent} tampered entries sent, ${refused} counted failed, none shown\n`)
    expect(sent).toBeGreaterThanOrEqual(mutations)
  }, 3_600_000)
})
