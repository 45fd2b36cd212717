/**
 * A writer process for the crash and two-writer tests (bundled by
 * `bundleChild`, run by node): `child-writer <file> <label> <count> <mode>`.
 * Writes `count` entries to the file's one database, each a child of the
 * current tips ('shared') or of its own last entry ('chain'), with random-size
 * data, a metadata value and a local key now and then, and prints
 * `ack <id>` once each `put` has resolved.
 */
import { entryId, type Entry } from '@engram/backend-api'
import { SqliteBackend } from '../src/index.js'

const [path, label, countText, mode] = process.argv.slice(2) as [string, string, string, string]
const count = Number(countText)
const b = await SqliteBackend.open(path)
const [root] = await b.rootIds()
if (root === undefined) throw new Error('no root in the file')
let tips = await b.getTips(root)
let storeTips = await b.getStoreTips(root, 's')
process.stdout.write('ready\n')
for (let i = 0; i < count; i++) {
  if (mode === 'shared') {
    tips = await b.getTips(root)
    storeTips = await b.getStoreTips(root, 's')
  }
  const entry: Entry = {
    tree: { root, parents: [...tips].sort(), metadata: JSON.stringify({ label, i }) },
    subtrees: [{ name: 's', parents: [...storeTips].sort(), data: 'x'.repeat(Math.floor(Math.random() * 4000)) }],
    sig: { sig: null, key: '' },
  }
  const id = entryId(entry)
  await b.put(id, entry, 'verified')
  process.stdout.write(`ack ${id}\n`)
  if (i % 10 === 0) {
    await b.setMetadata(`last:${label}`, id)
    await b.putLocalKey(`key:${label}`, new TextEncoder().encode(id))
    process.stdout.write(`meta ${id}\n`)
  }
  tips = [id]
  storeTips = [id]
}
await b.close()
process.stdout.write('done\n')
