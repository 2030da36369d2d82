/**
 * A broken proxy setting is a bad input, refused before any request; and nothing the action
 * fails to catch prints the bundle's source.
 */
import { describe, expect, test } from '@jest/globals'
import { errors, useWorld } from './world.ts'

const world = useWorld()

describe('a proxy URL the HTTP stacks cannot parse', () => {
  test.each([
    ['a bad % escape in the password', 'HTTPS_PROXY', 'http://user:p%zz@127.0.0.1:9', /its password has a malformed percent escape/],
    ['not a URL', 'HTTPS_PROXY', 'proxy at 127.0.0.1', /it does not parse as a URL/],
    ['a lower-case variable with a SOCKS scheme', 'https_proxy', 'socks5://127.0.0.1:9', /its scheme is not http or https/]
  ])('%s: one error naming the variable, no request, no source dump', async (_, name, value, problem) => {
    const result = await world.run({ 'os-type': 'linux' }, { env: { HTTPS_PROXY: '', [name]: value } })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(new RegExp(`^::error::The proxy setting ${name} is not a usable proxy URL: ${problem.source}`))
    ])
    expect(result.stdout).not.toContain('p%zz')
    expect(world.azure.requests).toEqual([])
    expect(result.stderr.length).toBeLessThan(2000)
  })
})
