import { describe, expect, jest, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBekFile } from '../../fixtures/bek-file.ts'
import { encodings, visible } from '../leak-scan.ts'
import { expectSafe } from '../hostile.ts'
import { useWorld, errors } from '../world.ts'

// Each test runs the bundle once or more, on a machine that may be busy.
jest.setTimeout(30_000)
const world = useWorld()

describe('nothing sensitive leaks, with debug logging on', () => {
  test.each([
    ['a generated key, with verify', false],
    ['a .BEK key file', true]
  ])('%s', async (_, keyFile) => {
    const inputs: Record<string, string> = { verify: 'true' }
    if (keyFile) {
      const path = join(mkdtempSync(join(tmpdir(), 'leak-')), 'k.BEK')
      writeFileSync(path, buildBekFile().bytes)
      inputs['key-file'] = path
    }
    const issuedBefore = [world.azure.github.issuedTokens.length, world.azure.entra.issuedTokens.length]
    const result = await world.run(inputs, { debug: true })
    expect(errors(result)).toEqual([])
    expect(result.stdout).toContain('::debug::') // debug really was on

    const [stored] = world.versions(result.outputs['secret-name'])
    const plaintext = world.unwrapLocally(stored.value, 'RSA-OAEP')
    const oidcTokens = world.azure.github.issuedTokens.slice(issuedBefore[0])
    const accessTokens = world.azure.entra.issuedTokens.slice(issuedBefore[1])
    expect(oidcTokens).toHaveLength(1)
    expect(accessTokens).toHaveLength(1)

    const text = visible(result)
    for (const encoded of encodings(plaintext)) expect(text).not.toContain(encoded)
    for (const token of [...oidcTokens, ...accessTokens]) {
      expect(text).not.toContain(token)
      // nor any part of it long enough to matter (the signature, the payload)
      for (const part of token.split('.').slice(1)) expect(text).not.toContain(part)
    }
    // The wrapped value is masked before it could be printed, and never printed.
    const maskAt = result.stdout.indexOf(`::add-mask::${stored.value}`)
    expect(maskAt).toBeGreaterThanOrEqual(0)
    expect(text).not.toContain(stored.value)
    // The masker gets the OIDC token (as soon as it arrives), the key's base64url (before the wrapkey that carries
    // it, so that no echo of that request could print it) and the wrapped value, each once; the runner hides these lines.
    const masked = [...result.stdout.matchAll(/^::add-mask::(.*)$/gm)].map((m) => m[1])
    expect(masked.sort()).toEqual([...oidcTokens, plaintext.toString('base64url'), stored.value].sort())
    // The job's OIDC claims are shown (for diagnosis), not the token.
    expect(result.stdout).toContain('subject repo:contoso/infra:ref:refs/heads/main')
  })

  test('a failing run leaks nothing either', async () => {
    world.azure.github.setClaims({ sub: 'repo:contoso/infra:pull_request' })
    try {
      const before = world.azure.github.issuedTokens.length
      const result = await world.run({}, { debug: true })
      expect(result.exitCode).toBe(1)
      const text = visible(result)
      for (const token of world.azure.github.issuedTokens.slice(before)) expect(text).not.toContain(token.split('.')[2])
      expect(text).toContain("subject 'repo:contoso/infra:pull_request'")
    } finally {
      world.azure.github.setClaims({ sub: 'repo:contoso/infra:ref:refs/heads/main' })
    }
  })
})

describe('the token only ever goes to the vault named', () => {
  test('every request carrying a token went to a host of the expected services', async () => {
    world.azure.clearLogs()
    const result = await world.run({ 'kek-name': '', 'kek-url': 'https://bek-e2e.vault.azure.net/keys/disk-kek' })
    expect(result.exitCode).toBe(0)
    const hosts = new Set(world.azure.connects.map((c) => c.target))
    expect([...hosts].sort()).toEqual([
      'bek-e2e.vault.azure.net:443',
      'login.microsoftonline.com:443',
      'pipelinesghubeus1.actions.githubusercontent.com:443'
    ])
  })
})

describe("identifiers in the vault's answers are not trusted blindly", () => {
  test('a KEK answer naming another key or host is refused before anything is stored', async () => {
    world.azure.clearLogs()
    const foreign = 'https://evil.vault.azure.net/keys/disk-kek/0123456789abcdef0123456789abcdef'
    world.azure.faults.add({
      host: 'bek-e2e.vault.azure.net',
      method: 'GET',
      path: /\/keys\/disk-kek\/?$/,
      times: 1,
      status: 200,
      body: { key: { kid: foreign, kty: 'RSA', key_ops: ['wrapKey', 'unwrapKey'], n: 'AQAB', e: 'AQAB' }, attributes: { enabled: true } }
    })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': 'vm-foreign-kid' })
    expectSafe(world, result, { exitCode: 1, name: 'vm-foreign-kid' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /answered for https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek with the key https:\/\/evil\.vault\.azure\.net\/.*refusing to use it/
      )
    ])
    expect(world.versions('vm-foreign-kid')).toEqual([])
    expect(world.azure.connects.filter((c) => c.target.startsWith('evil.'))).toEqual([])
  })
})

describe("the runner's OIDC request token goes only to the host of ACTIONS_ID_TOKEN_REQUEST_URL", () => {
  const RUNNER_HOST = 'pipelinesghubeus1.actions.githubusercontent.com'
  test.each([
    [301, 'https://evil.example/steal'],
    [302, 'https://evil.example/steal'],
    [307, 'https://evil.example/steal'],
    [308, 'https://evil.example:8443/steal'],
    [307, `https://${RUNNER_HOST}/elsewhere/idtoken`]
  ])('a %i to %s is not followed', async (status, location) => {
    world.azure.clearLogs()
    world.azure.faults.add({ host: RUNNER_HOST, method: 'GET', path: /\/idtoken$/, status, headers: { location }, body: '' })
    const result = await world.run({ 'os-type': 'linux', 'secret-name': `vm-oidc-${status}` }, { debug: true })
    expectSafe(world, result, { exitCode: 1, name: `vm-oidc-${status}` })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^::error::The GitHub OIDC token endpoint ${RUNNER_HOST.replace(/\./g, '\\.')} answered HTTP ${status} \\(a redirect to ${location.replace(/[.:/]/g, '\\$&')}, not followed\\)\\. .*id-token: write`
        )
      )
    ])
    // One request, to the runner's endpoint; no connection to where the redirect pointed.
    expect(world.azure.requests.map((r) => r.host)).toEqual([RUNNER_HOST])
    expect(world.azure.connects.filter((c) => c.target.startsWith('evil.'))).toEqual([])
    expect(world.versions(`vm-oidc-${status}`)).toHaveLength(0)
  })
})
