/**
 * The task list end to end: the page built with Vite, served with its sync
 * server, and two people in two Chromium contexts (each its own IndexedDB)
 * driving it through the UI: accounts with passwords, a list shared through
 * a bootstrap request the owner approves, edits both ways, one side offline
 * and catching up. Waits are on UI state only (no fixed sleeps). Screenshots
 * of both pages go to apps/web/test-artifacts/ (web-alice.png, web-bob.png).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM_PATH } from '../../../vitest.browser.ts'
import { startWebServer, type WebServer } from '../src/server.js'

const APP = fileURLToPath(new URL('..', import.meta.url))
export const ARTIFACTS = join(APP, 'test-artifacts')
const WAIT = { timeout: 60_000 }

let pageDir: string
let server: WebServer
let browser: Browser
const contexts: BrowserContext[] = []

beforeAll(async () => {
  pageDir = mkdtempSync(join(tmpdir(), 'engram-web-'))
  await build({ configFile: join(APP, 'vite.config.ts'), build: { outDir: pageDir, emptyOutDir: true }, logLevel: 'error' })
  server = await startWebServer({ pageDir, port: 0 })
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH, args: CHROMIUM_ARGS })
})

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {})
  await browser?.close()
  await server?.close()
  if (pageDir) rmSync(pageDir, { recursive: true, force: true })
})

async function open(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(server.url)
  await page.waitForSelector('body[data-ready="true"]', WAIT)
  return { context, page }
}

async function signIn(page: Page, name: string, password: string, create: boolean): Promise<void> {
  await page.fill('#username', name)
  await page.fill('#password', password)
  await page.click(create ? '#create-account' : '#login')
}

async function addTask(page: Page, title: string): Promise<void> {
  await page.fill('#task-title', title)
  await page.click('#add-form button')
  await page.waitForSelector(`#tasks li[data-task="${title}"]`, WAIT)
}

async function tick(page: Page, title: string): Promise<void> {
  await page.check(`#tasks li[data-task="${title}"] input`)
  await page.waitForSelector(`#tasks li[data-task="${title}"][data-done="true"]`, WAIT)
}

/** The list as the page shows it: `title:done`, sorted. */
const shown = (page: Page): Promise<string[]> =>
  page.$$eval('#tasks li', (items) => items.map((li) => `${(li as HTMLElement).dataset.task}:${(li as HTMLElement).dataset.done}`).sort())

/** Waits until the page shows exactly `expected` (any order). */
async function waitForTasks(page: Page, expected: string[]): Promise<void> {
  const want = JSON.stringify([...expected].sort())
  await page.waitForFunction(
    (w) => JSON.stringify([...document.querySelectorAll<HTMLElement>('#tasks li')].map((li) => `${li.dataset.task}:${li.dataset.done}`).sort()) === w,
    want,
    WAIT,
  )
}

describe('apps/web in Chromium', () => {
  it('two people share a list through an approved request, edit it, and converge after one was offline', async () => {
    const { page: alice } = await open()
    const { context: bobContext, page: bob } = await open()

    // alice: an account with a password, a list, two tasks
    await signIn(alice, 'alice', 'alice-password', true)
    await alice.waitForSelector('#home:not([hidden])', WAIT)
    await alice.fill('#new-list-name', 'Groceries')
    await alice.click('#new-list-form button')
    await alice.waitForSelector('#list:not([hidden])', WAIT)
    expect(await alice.textContent('#list-name')).toBe('Groceries')
    await addTask(alice, 'milk')
    await addTask(alice, 'bread')
    const code = (await alice.textContent('#share-code'))!.trim()
    expect(code).toMatch(/^sha256:[0-9a-f]{64}$/)

    // bob: an account; a wrong password is refused with its code; then the right one
    await signIn(bob, 'bob', 'bob-password', true)
    await bob.waitForSelector('#home:not([hidden])', WAIT)
    await bob.click('#logout')
    await bob.waitForSelector('#auth:not([hidden])', WAIT)
    await signIn(bob, 'bob', 'not-bobs-password', false)
    await bob.waitForFunction(() => document.querySelector('#error')?.textContent?.includes('INVALID_PASSWORD'), undefined, WAIT)
    await signIn(bob, 'bob', 'bob-password', false)
    await bob.waitForSelector('#home:not([hidden])', WAIT)
    const bobKey = (await bob.textContent('#my-key'))!.trim()

    // bob asks to join; alice sees the request (with bob's key) and approves it on her page
    await bob.fill('#join-code', code)
    await bob.click('#join-form button')
    await bob.waitForFunction(() => document.querySelector('#join-status')?.textContent?.includes('Waiting for the owner'), undefined, WAIT)
    const request = alice.locator('#requests li', { hasText: bobKey })
    await request.waitFor(WAIT)
    await request.locator('button', { hasText: 'Approve' }).click()
    await bob.waitForSelector('#list:not([hidden])', WAIT)
    expect(await bob.textContent('#list-name')).toBe('Groceries')
    await waitForTasks(bob, ['milk:false', 'bread:false'])
    await alice.waitForFunction(() => document.querySelectorAll('#requests li').length === 0, undefined, WAIT)

    // edits both ways
    await tick(bob, 'milk')
    await addTask(bob, 'eggs')
    await waitForTasks(alice, ['milk:true', 'bread:false', 'eggs:false'])
    await addTask(alice, 'apples')
    await waitForTasks(bob, ['milk:true', 'bread:false', 'eggs:false', 'apples:false'])

    // bob goes offline and keeps working; alice keeps working too
    await bobContext.setOffline(true)
    await addTask(bob, 'butter')
    await tick(bob, 'bread')
    await bob.waitForSelector('#status[data-state="offline"]', WAIT)
    await addTask(alice, 'jam')
    await tick(alice, 'eggs')
    expect(await shown(alice)).not.toContain('butter:false')

    // back online: both catch up and show the same list
    await bobContext.setOffline(false)
    const all = ['milk:true', 'bread:true', 'eggs:true', 'apples:false', 'butter:false', 'jam:false']
    await waitForTasks(bob, all)
    await waitForTasks(alice, all)
    await bob.waitForSelector('#status[data-state="synced"]', WAIT)
    expect(await shown(alice)).toEqual(await shown(bob))

    mkdirSync(ARTIFACTS, { recursive: true })
    await alice.screenshot({ path: join(ARTIFACTS, 'web-alice.png'), fullPage: true })
    await bob.screenshot({ path: join(ARTIFACTS, 'web-bob.png'), fullPage: true })

    // a reload keeps bob's account and list in this browser's IndexedDB
    await bob.reload()
    await bob.waitForSelector('body[data-ready="true"]', WAIT)
    await signIn(bob, 'bob', 'bob-password', false)
    await bob.waitForSelector('#list:not([hidden])', WAIT)
    await waitForTasks(bob, all)
  })
})
