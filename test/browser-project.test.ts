/**
 * `pnpm test` without Chromium: one printed line and no browser project,
 * except under CI, where it is a failure. With Chromium: the project.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { browserProject } from '../vitest.browser.ts'

afterEach(() => vi.restoreAllMocks())

describe('the browser test project', () => {
  it('without Chromium, outside CI: left out, with one line saying how to get it', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    expect(browserProject({ CHROMIUM_PATH: '/nonexistent/chromium' })).toBeUndefined()
    expect(write).toHaveBeenCalledTimes(1)
    const line = String(write.mock.calls[0]![0])
    expect(line.trimEnd().split('\n')).toHaveLength(1)
    expect(line).toContain('apt-get install -y --no-install-recommends chromium')
  })

  it('without Chromium, under CI=true: a failure', () => {
    expect(() => browserProject({ CHROMIUM_PATH: '/nonexistent/chromium', CI: 'true' })).toThrow(/no Chromium/)
  })

  it('with a Chromium binary: the Chromium project through Playwright, no browser download', () => {
    const project = browserProject({ CHROMIUM_PATH: process.execPath, CI: 'true' })! // any existing file stands in for the path check
    expect(project.test?.name).toBe('browser')
    expect(project.test?.browser?.enabled).toBe(true)
    expect(project.test?.browser?.instances).toEqual([{ browser: 'chromium' }])
  })
})
