import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteBackend } from '@engram/backend-sqlite'
import { runDemo } from '../src/demo.js'
import { explain } from '../src/errors.js'
import { formatTable, shortId } from '../src/format.js'

const FAST = { m: 64, t: 1, p: 1 }
let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engram-demo-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function run(password = 'pw') {
  const lines: string[] = []
  const code = await runDemo({ dataDir: join(dir, 'data'), password, out: (l) => lines.push(l), argon2: FAST })
  return { code, lines, text: lines.join('\n') }
}

/** Entries stored in the demo's file, over every database. */
async function entryCount(): Promise<number> {
  const b = await SqliteBackend.open(join(dir, 'data', 'engram.db'))
  try {
    let n = 0
    for (const root of await b.rootIds()) n += (await b.treeEntryIds(root)).length
    return n
  } finally {
    await b.close()
  }
}

const deviceKeyOf = (text: string) => /Device key: (ed25519:\S+)/.exec(text)?.[1]

describe('the demo', () => {
  it('first run creates and saves; the second run reopens with the same device key and rows, plus one per user', async () => {
    const first = await run()
    expect(first.code).toBe(0)
    expect(first.text).toContain('Created a new Engram instance')
    expect(first.text).toContain('Every commit was on disk')
    expect(first.text).toContain('Users: alice, bob')
    expect(first.text).toMatch(/run\s+by\s+done\s+task/)
    expect(first.text).toContain('Write the README')
    expect(first.text).toContain("Review alice's tasks")
    const key = deviceKeyOf(first.text)
    expect(key).toMatch(/^ed25519:/)
    expect((await readFile(join(dir, 'data', 'engram.db'))).subarray(0, 15).toString()).toBe('SQLite format 3')

    const second = await run()
    expect(second.code).toBe(0)
    expect(second.text).toContain('Reopened the instance in')
    expect(deviceKeyOf(second.text)).toBe(key)
    for (const row of ['Write the README', 'Try Engram', "Review alice's tasks", 'Run 2: alice was here', 'Run 2: bob was here'])
      expect(second.text).toContain(row)
    expect(second.text).toContain('Run 2.')
    expect(second.text).toMatch(/1  alice  yes   Try Engram/)
    const firstKeys = first.lines.filter((l) => l.includes("'s key"))
    expect(second.lines.filter((l) => l.includes("'s key"))).toEqual(firstKeys)

    const third = await run()
    expect(third.text).toContain('Run 3: bob was here')
    expect(deviceKeyOf(third.text)).toBe(key)
  })

  it('a wrong password is one sentence, exit code 1, and changes nothing', async () => {
    await run('right')
    const before = await entryCount()
    const wrong = await run('wrong')
    expect(wrong.code).toBe(1)
    expect(wrong.lines.at(-1)).toMatch(/^Wrong password for alice; nothing was changed\./)
    expect(wrong.text).not.toMatch(/\n\s+at /)
    expect(await entryCount()).toBe(before)
  })

  it('a corrupt data file is one sentence and exit code 1; the file is left alone', async () => {
    await run()
    const file = join(dir, 'data', 'engram.db')
    const handle = await open(file, 'r+')
    await handle.write(Buffer.from('this is no longer an SQLite header'), 0, 34, 0)
    await handle.close()
    const damaged = await readFile(file)
    const broken = await run()
    expect(broken.code).toBe(1)
    expect(broken.lines).toEqual([`The data file ${file} is corrupt; move it aside to start fresh.`])
    expect(await readFile(file)).toEqual(damaged)
  })
})

describe('demo helpers', () => {
  it('formatTable aligns columns, numbers to the right', () => {
    expect(formatTable(['n', 'name'], [[1, 'alice'], [10, 'bob']])).toEqual([
      '   n  name',
      '  --  -----',
      '   1  alice',
      '  10  bob',
    ])
    expect(formatTable(['a'], [])).toEqual(['  a', '  -'])
  })

  it('shortId keeps the prefix and a few characters', () => {
    expect(shortId('sha256:' + 'a'.repeat(64))).toBe('sha256:aaaaaaaaaaaa…')
    expect(shortId('short')).toBe('short')
  })

  it('explain gives a sentence for any error, with its code when it has one', () => {
    expect(explain(Object.assign(new Error('x'), { code: 'CORRUPT_SNAPSHOT' }), 'f.json')).toBe(
      'The data file f.json is corrupt; move it aside to start fresh.',
    )
    expect(explain(Object.assign(new Error('boom'), { code: 'WHATEVER' }), 'f')).toBe('The demo failed: boom (WHATEVER).')
    expect(explain('plain', 'f')).toBe('The demo failed: plain')
  })
})
