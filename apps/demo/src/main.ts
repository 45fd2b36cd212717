/**
 * `pnpm demo`: runs the demo against ./engram-data (override with
 * ENGRAM_DATA_DIR). alice's password comes from ENGRAM_DEMO_PASSWORD, else
 * a prompt when stdin is a terminal, else the documented default.
 */
import { createInterface } from 'node:readline/promises'
import { runDemo } from './demo.js'

/** The password used when there is neither ENGRAM_DEMO_PASSWORD nor a terminal to ask at. */
export const DEFAULT_DEMO_PASSWORD = 'engram-demo'

async function askPassword(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true })
  try {
    return await rl.question("Password for alice (chosen on the first run, checked afterwards): ")
  } finally {
    rl.close()
  }
}

async function main(): Promise<void> {
  const dataDir = process.env.ENGRAM_DATA_DIR ?? 'engram-data'
  let password = process.env.ENGRAM_DEMO_PASSWORD
  if (password === undefined) {
    if (process.stdin.isTTY) password = await askPassword()
    else {
      password = DEFAULT_DEMO_PASSWORD
      console.log(`No terminal to ask at: using the demo password "${DEFAULT_DEMO_PASSWORD}" for alice (set ENGRAM_DEMO_PASSWORD to choose one).`)
    }
  }
  process.exitCode = await runDemo({ dataDir, password, out: (line) => console.log(line) })
}

main().catch((err: unknown) => {
  console.log(`The demo failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
