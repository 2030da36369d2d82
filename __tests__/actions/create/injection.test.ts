/**
 * One rule for printing: every path that prints a string from outside the action (a tag, a
 * token claim, an echoed input, a vault error, an id or kid, a key type, a content type, a
 * file name, an Entra ID error) is fed the same hostile value, with debug off and on (the
 * runner's RUNNER_DEBUG and ACTIONS_STEP_DEBUG). Each
 * run is checked with expectSafe: exit code, no injected command, outputs naming only the
 * input vault and secret, and anything stored decrypted independently.
 */
import { afterEach, describe, expect, jest, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expectSafe, putSecret } from '../hostile.ts'
import { KEK, SUBJECT, VAULT, type World, useWorld } from '../world.ts'

// Each test runs the bundle once or more, on a machine that may be busy.
jest.setTimeout(30_000)
const world = useWorld()
const VAULT_HOST = `${VAULT}.vault.azure.net`
const RUNNER_HOST = 'pipelinesghubeus1.actions.githubusercontent.com'

/** A new line with commands, a carriage return, an encoded new line and markup that closes the summary's code block. */
const HOSTILE =
  'x\n::set-output name=secret-url::https://evil.example/\n::stop-commands::tok\r::warning::CR%0A::notice::pct</code></pre><h1>H</h1>'
/**
 * How HOSTILE looks once printed: its new lines shown as `\n`, on the same line (and, in a
 * command's data, `%` escaped as `%25` by @actions/core).
 */
const ESCAPED = /x\\n::set-output name=secret-url::https:\/\/evil\.example\/\\n::stop-commands::tok\\r::warning::CR%(?:25)?0A::notice::pct/
/** What a file name can hold of it (no `/`). */
const HOSTILE_FILE_NAME = 'x\n::set-output name=secret-url::evil\r::warning::CR%0A::notice::pct<h1>H'

const kid = (): string => `https://${VAULT_HOST}/keys/${KEK}/${world.kekVersion}`
const keyAnswer = (key: Record<string, unknown>): unknown => ({
  key: { kid: kid(), kty: 'RSA', key_ops: ['wrapKey', 'unwrapKey'], n: Buffer.alloc(384, 0xc1).toString('base64url'), e: 'AQAB', ...key },
  attributes: { enabled: true }
})

/** An unsigned token with the given claims, as a hostile token endpoint might hand out. */
function fakeToken(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })}.c2ln`
}

/** A real BEK under `name`, then a version with the same value and `change` applied; returns the versions stored. */
async function seed(name: string, change: (stored: ReturnType<World['versions']>[number]) => Record<string, unknown>): Promise<number> {
  const first = await world.run({ 'secret-name': name, 'os-type': 'linux' })
  expect(first.exitCode).toBe(0)
  const [stored] = world.versions(name)
  await putSecret(world, name, { value: stored.value, contentType: stored.contentType, tags: stored.tags, ...change(stored) })
  world.azure.clearLogs()
  return world.versions(name).length
}

interface Case {
  /** Sets the stage for secret `name`; returns the run's inputs and environment, and the versions seeded. */
  readonly arrange: (name: string) => Promise<{ inputs?: Record<string, string>; env?: Record<string, string>; before?: number }>
  readonly exitCode: 0 | 1
  /** How the value shows up, escaped, in the output: proof that this path printed it. */
  readonly printed: RegExp
}

const CASES: Record<string, Case> = {
  "a reused secret's KEK tag": {
    arrange: async (name) => ({
      inputs: { 'if-exists': 'reuse' },
      before: await seed(name, (stored) => ({ tags: { ...stored.tags, DiskEncryptionKeyEncryptionKeyURL: HOSTILE } }))
    }),
    exitCode: 1,
    printed: ESCAPED
  },
  "a reused secret's content type": {
    arrange: async (name) => ({ inputs: { 'if-exists': 'reuse' }, before: await seed(name, () => ({ contentType: HOSTILE })) }),
    exitCode: 1,
    printed: /its content type is 'x\\n::set-output/
  },
  'the subject claim of the OIDC token': {
    arrange: async () => {
      world.azure.github.setClaims({ sub: `${SUBJECT}${HOSTILE}` })
      return {}
    },
    exitCode: 1,
    printed: /subject repo:contoso\/infra:ref:refs\/heads\/mainx\\n::set-output/
  },
  'the audience input, echoed back in the aud claim': {
    arrange: async () => ({ inputs: { audience: `api://AzureADTokenExchange${HOSTILE}` } }),
    exitCode: 1,
    printed: /audience api:\/\/AzureADTokenExchangex\\n::set-output/
  },
  'the issuer, subject and audience of a token from a hostile endpoint': {
    arrange: async () => {
      world.azure.faults.add({
        host: RUNNER_HOST,
        method: 'GET',
        path: /\/idtoken$/,
        status: 200,
        body: { value: fakeToken({ iss: HOSTILE, sub: HOSTILE, aud: HOSTILE }) }
      })
      return {}
    },
    exitCode: 1,
    printed: new RegExp(`issuer ${ESCAPED.source}.*, subject ${ESCAPED.source}`)
  },
  "a Key Vault error's code and message": {
    arrange: async () => {
      world.azure.faults.add({
        host: VAULT_HOST,
        method: 'GET',
        path: /\/keys\//,
        status: 403,
        body: { error: { code: HOSTILE, message: `Operation get is not permitted ${HOSTILE}`, innererror: { code: HOSTILE } } }
      })
      return {}
    },
    exitCode: 1,
    printed: /Key Vault said: x\\n::set-output/
  },
  'an answer that is not JSON': {
    arrange: async () => {
      world.azure.faults.add({ host: VAULT_HOST, method: 'GET', path: /\/keys\//, status: 200, body: `<html>${HOSTILE}</html>` })
      return {}
    },
    exitCode: 1,
    printed: /answer to GET https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek is not JSON/
  },
  "the KEK's key type": {
    arrange: async () => {
      world.azure.faults.add({ host: VAULT_HOST, method: 'GET', path: /\/keys\//, status: 200, body: keyAnswer({ kty: HOSTILE }) })
      return {}
    },
    exitCode: 1,
    printed: /is a x\\n::set-output/
  },
  "the KEK's key_ops": {
    arrange: async () => {
      world.azure.faults.add({ host: VAULT_HOST, method: 'GET', path: /\/keys\//, status: 200, body: keyAnswer({ key_ops: [HOSTILE] }) })
      return {}
    },
    exitCode: 1,
    printed: /its key_ops are x\\n::set-output/
  },
  "a wrap answer's kid": {
    arrange: async () => {
      world.azure.faults.add({
        host: VAULT_HOST,
        method: 'POST',
        path: /\/wrapkey$/,
        status: 200,
        body: { kid: `${kid()}${HOSTILE}`, value: 'A'.repeat(512) }
      })
      return {}
    },
    exitCode: 1,
    printed: /with the key https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek\/[0-9a-f]{32}x\\n::set-output/
  },
  "a store answer's id": {
    arrange: async () => {
      world.azure.faults.add({ host: VAULT_HOST, method: 'PUT', path: /\/secrets\//, status: 200, body: { id: HOSTILE } })
      return {}
    },
    exitCode: 1,
    printed: /has the id 'x\\n::set-output/
  },
  "a store error's message": {
    arrange: async () => {
      world.azure.faults.add({
        host: VAULT_HOST,
        method: 'PUT',
        path: /\/secrets\//,
        status: 409,
        body: { error: { code: 'Conflict', message: HOSTILE } }
      })
      return {}
    },
    exitCode: 1,
    printed: /Key Vault said: Conflict: x$/m
  },
  "verify: an unwrap error's message, after the value was stored": {
    arrange: async () => {
      world.azure.faults.add({
        host: VAULT_HOST,
        method: 'POST',
        path: /\/unwrapkey$/,
        status: 403,
        body: { error: { code: 'Forbidden', message: `Operation unwrapKey is not permitted on this key.${HOSTILE}` } }
      })
      return { inputs: { verify: 'true' } }
    },
    exitCode: 1,
    printed: /Operation unwrapKey is not permitted on this key\.x/
  },
  "an Entra ID error's description": {
    arrange: async () => {
      world.azure.faults.add({
        host: 'login.microsoftonline.com',
        method: 'POST',
        path: /\/token$/,
        status: 400,
        body: { error: 'invalid_client', error_description: `AADSTS700016: ${HOSTILE}`, error_codes: [700016] }
      })
      return {}
    },
    exitCode: 1,
    printed: /AADSTS700016/
  },
  "a key file's name": {
    arrange: async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'hostile-name-')), HOSTILE_FILE_NAME)
      writeFileSync(path, '')
      return { inputs: { 'key-file': path } }
    },
    exitCode: 1,
    printed: /cannot read '.*x\\n::set-output name=secret-url::evil\\r::warning::CR%(?:25)?0A::notice::pct<h1>H'/
  },
  "an extra tag's value (input), stored and echoed": {
    arrange: async () => ({ inputs: { tags: `note=${HOSTILE.replace(/\n/g, ' ')}` } }),
    exitCode: 0,
    printed: /Stored https:\/\/bek-e2e\.vault\.azure\.net\/secrets\//
  }
}

describe('a hostile value on every printing path is printed escaped, with debug off and on', () => {
  afterEach(() => world.azure.github.setClaims({ sub: SUBJECT }))

  test.each(Object.keys(CASES))(
    '%s',
    async (path) => {
      const { arrange, exitCode, printed } = CASES[path]!
      for (const debug of [false, true]) {
        const name = `inj-${Object.keys(CASES).indexOf(path)}-${debug ? 'debug' : 'plain'}`
        world.azure.faults.clear()
        const { inputs = {}, env = {}, before = 0 } = await arrange(name)
        const result = await world.run({ 'secret-name': name, 'os-type': 'linux', ...inputs }, { debug, env })
        expectSafe(world, result, { exitCode, name, before })
        expect(result.stdout).toMatch(printed)
        world.azure.github.setClaims({ sub: SUBJECT })
      }
    },
    90_000
  )
})
