/** `pnpm demo:sync`: the two-device sync demo against ./engram-data (override with ENGRAM_DATA_DIR). */
import '@engram/sync'
import { runTwoDevices } from './two-devices.js'

runTwoDevices({ dataDir: process.env.ENGRAM_DATA_DIR ?? 'engram-data', out: (line) => console.log(line) })
  .then((code) => {
    process.exitCode = code
  })
  .catch((err: unknown) => {
    console.log(`The two-device demo failed: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  })
