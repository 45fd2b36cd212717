/**
 * P1 (sequential one-key DocStore commits on a MemoryBackend) for one built
 * checkout, in process CPU time: `node bench/p1-checkout.mjs <checkout>`.
 * Run it alternately for two checkouts (before/after a change) to compare
 * the engine's own cost; commits sign with this checkout's default Ed25519
 * key for both, so only the engine code differs.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ed25519, randomBytes } from '@engram/crypto'

const dir = process.argv[2]
if (!dir) throw new Error('usage: node bench/p1-checkout.mjs <built checkout>')
const db = await import(pathToFileURL(join(dir, 'packages/database/dist/index.js')).href)
const mem = await import(pathToFileURL(join(dir, 'packages/backend-memory/dist/index.js')).href)
const key = await ed25519.importSigningKey(randomBytes(32))
const handle = await db.Database.create(new db.Engine(new mem.MemoryBackend()), { name: 'p1' }, { key, sigKey: 'bench' })
let i = 0
async function commits(n) {
  for (let j = 0; j < n; j++, i++) {
    const txn = await handle.newTransaction()
    await (await txn.getStore('s', db.DocStore)).set(`k${i}`, i)
    await txn.commit()
  }
}
await commits(3000)
const start = process.cpuUsage()
await commits(10000)
const used = process.cpuUsage(start)
console.log(`${Math.round(10000 / ((used.user + used.system) / 1e6))} commits per CPU-second  ${dir}`)
