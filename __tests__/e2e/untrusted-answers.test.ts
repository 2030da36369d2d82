/**
 * Every answer is untrusted: hostile tags, ids, kids, wrapped values and token claims neither
 * reach stdout as workflow commands nor become outputs, and a bad answer never passes for success.
 */
import { describe, expect, test } from '@jest/globals'
import type { RunActionResult } from '../../emulator/runner.ts'
import { KEK, VAULT, errors, operations, useWorld } from './world.ts'

const world = useWorld()
const VAULT_HOST = `${VAULT}.vault.azure.net`

/** The commands the action itself writes; any other line starting with `::` was injected. */
const OWN_COMMANDS = /^::(?:add-mask|debug|error|warning|notice|group|endgroup)::/

function injectedCommands(result: RunActionResult): string[] {
  return result.stdout.split('\n').filter((line) => line.startsWith('::') && !OWN_COMMANDS.test(line))
}

const HOSTILE =
  'x\n::error file=x::INJECTED\n::stop-commands::tok\n::set-output name=secret-url::https://evil.example/\r::warning::CR%0A::notice::pct</code></pre><h1>H</h1>'

async function putSecret(name: string, body: Record<string, unknown>): Promise<void> {
  const token = world.azure.entra.issueAccessToken(world.clientId, 'https://vault.azure.net')
  const { proxyClient } = await import('../../emulator/http-client.ts')
  const http = proxyClient(world.azure.proxyUrl, world.azure.caPath)
  try {
    const put = await http.request('PUT', `https://${VAULT_HOST}/secrets/${name}?api-version=7.5`, {
      headers: { authorization: `Bearer ${token}` },
      body
    })
    expect(put.status).toBe(200)
  } finally {
    http.close()
  }
}

/** A real BEK under `name`, then a new version with the same value and a hostile KEK tag. */
async function seedHostileTag(name: string, tag: string): Promise<void> {
  const first = await world.run({ 'secret-name': name, 'os-type': 'linux' })
  expect(first.exitCode).toBe(0)
  const [stored] = world.versions(name)
  await putSecret(name, {
    value: stored.value,
    contentType: stored.contentType,
    tags: { ...stored.tags, DiskEncryptionKeyEncryptionKeyURL: tag }
  })
  world.azure.clearLogs()
}

function expectNoOutputs(result: RunActionResult): void {
  for (const output of ['secret-url', 'kek-url', 'secret-version', 'secret-name']) expect(result.outputs[output]).toBeUndefined()
}

describe('a hostile KEK tag on a reused secret', () => {
  test.each([false, true])('is neither printed raw nor used (debug %s)', async (debug) => {
    const name = `vm-inject-${debug ? 'debug' : 'plain'}`
    await seedHostileTag(name, HOSTILE)
    const result = await world.run({ 'secret-name': name, 'if-exists': 'reuse', 'os-type': 'linux' }, { debug })
    if (debug) expect(result.stdout).toContain('::debug::')
    expect(injectedCommands(result)).toEqual([])
    expect(result.stdout).not.toMatch(/^::(?:warning|notice)::(?:CR|pct)/m)
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(/DiskEncryptionKeyEncryptionKeyURL tag .* is not a versioned key URL .*if-exists: new-version/)
    ])
    expectNoOutputs(result)
    expect(result.summary).not.toContain('<h1>')
    expect(result.summary).not.toContain('</code></pre>')
    expect(operations(world.azure)).not.toContain('setSecret')
  })

  test('naming a key in another vault of another cloud is refused', async () => {
    await seedHostileTag('vm-cn-tag', `https://other.vault.azure.cn/keys/${KEK}/${'a'.repeat(32)}`)
    const result = await world.run({ 'secret-name': 'vm-cn-tag', 'if-exists': 'reuse', 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/is not a versioned key URL in a AzureCloud Key Vault/)])
    expectNoOutputs(result)
  })

  test('naming another KEK of the same cloud is reused with a warning', async () => {
    const other = `https://other-vault.vault.azure.net/keys/old-kek/${'b'.repeat(32)}`
    await seedHostileTag('vm-other-kek', other)
    const result = await world.run({ 'secret-name': 'vm-other-kek', 'if-exists': 'reuse', 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^::warning::.*wrapped with the KEK ${other}, not the requested`, 'm'))
    expect(result.outputs['kek-url']).toBe(other)
  })
})

test('hostile OIDC claims are printed escaped', async () => {
  world.azure.github.setClaims({ sub: 'repo:contoso/infra:ref:refs/heads/main\n::set-output name=kek-url::evil' })
  try {
    const result = await world.run({ audience: 'api://AzureADTokenExchange\n::error::AUD' })
    expect(injectedCommands(result)).toEqual([])
    expect(result.stdout).not.toMatch(/^::error::AUD/m)
    expect(result.stdout).toContain('\\n::set-output name=kek-url::evil')
  } finally {
    world.azure.github.setClaims({ sub: 'repo:contoso/infra:ref:refs/heads/main' })
  }
})

describe('a reused secret answer naming something else', () => {
  test.each([
    ['another host', `https://evil.example/secrets/vm-reuse-id/${'c'.repeat(32)}`],
    ['another secret', `https://${VAULT_HOST}/secrets/other/${'c'.repeat(32)}`],
    ['no version', `https://${VAULT_HOST}/secrets/vm-reuse-id`]
  ])('%s is refused before any output', async (_, id) => {
    const first = await world.run({ 'secret-name': 'vm-reuse-id', 'os-type': 'linux', 'if-exists': 'reuse' })
    expect(first.exitCode).toBe(0)
    const [stored] = world.versions('vm-reuse-id')
    world.azure.faults.add({
      host: VAULT_HOST,
      method: 'GET',
      path: /\/secrets\/vm-reuse-id/,
      status: 200,
      body: { id, value: stored.value, contentType: stored.contentType, tags: stored.tags, attributes: { enabled: true } }
    })
    const result = await world.run({ 'secret-name': 'vm-reuse-id', 'if-exists': 'reuse', 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(/answer to GET https:\/\/bek-e2e\.vault\.azure\.net\/secrets\/vm-reuse-id .*refusing/)
    ])
    expectNoOutputs(result)
    expect(injectedCommands(result)).toEqual([])
  })
})

describe('a store answer that names something else: nothing is output, and the user learns a version may exist', () => {
  test.each([
    ['no id', {}],
    ['another secret', { id: `https://${VAULT_HOST}/secrets/other/${'d'.repeat(32)}` }],
    ['another host', { id: `https://evil.example/secrets/vm-put/${'d'.repeat(32)}` }],
    ['an empty body', null],
    ['an HTML page', '<html><body>Gateway</body></html>']
  ])('%s', async (_, body) => {
    world.azure.faults.add({ host: VAULT_HOST, method: 'PUT', path: /\/secrets\/vm-put/, status: 200, body })
    const result = await world.run({ 'secret-name': 'vm-put', 'os-type': 'linux', verify: 'true' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /answer to PUT https:\/\/bek-e2e\.vault\.azure\.net\/secrets\/vm-put .*A version may have been stored.*list-versions/
      )
    ])
    expectNoOutputs(result)
    expect(result.outputs.secrets ?? '[]').toBe('[]')
    expect(operations(world.azure)).not.toContain('unwrapKey')
  })
})

describe('a wrap answer that is not one RSA block of the KEK: nothing is stored', () => {
  test.each([
    ['AAAA', (kid: string) => ({ kid, value: 'AAAA' })],
    ['not base64url', (kid: string) => ({ kid, value: `${'A'.repeat(510)}+/` })],
    ['a kid with extra path', () => ({ kid: `https://${VAULT_HOST}/keys/${KEK}/x/y`, value: 'A'.repeat(512) })],
    ['a kid of another vault', () => ({ kid: `https://evil.vault.azure.net/keys/${KEK}/${'e'.repeat(32)}`, value: 'A'.repeat(512) })]
  ])('%s', async (_, answer) => {
    const kid = `https://${VAULT_HOST}/keys/${KEK}/${world.kekVersion}`
    world.azure.faults.add({ host: VAULT_HOST, method: 'POST', path: /wrapkey/, status: 200, body: answer(kid) })
    const result = await world.run({ 'secret-name': 'vm-wrap', 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(/(?:answer to POST|answered for) https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek.*wrapkey/)
    ])
    expect(operations(world.azure)).not.toContain('setSecret')
    expect(world.versions('vm-wrap')).toHaveLength(0)
    expectNoOutputs(result)
  })

  test('a good answer is stored, and the KEK private key decrypts it to a 32-byte key', async () => {
    const result = await world.run({ 'secret-name': 'vm-wrap-ok', 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    const [stored] = world.versions('vm-wrap-ok')
    expect(world.unwrapLocally(stored.value, 'RSA-OAEP')).toHaveLength(32)
  })
})

describe('a KEK with values ADE cannot use', () => {
  const keyAnswer = (n: string, attributes: Record<string, unknown>): unknown => ({
    key: { kid: `https://${VAULT_HOST}/keys/${KEK}/${world.kekVersion}`, kty: 'RSA', key_ops: ['wrapKey', 'unwrapKey'], n, e: 'AQAB' },
    attributes: { enabled: true, ...attributes }
  })
  test.each([
    ['a 512-bit modulus', () => keyAnswer(Buffer.alloc(64, 0xc1).toString('base64url'), {}), /512-bit modulus.*2048, 3072, 4096/],
    ['a 16384-bit modulus', () => keyAnswer(Buffer.alloc(2048, 0xc1).toString('base64url'), {}), /16384-bit modulus/],
    [
      'exp: "yesterday"',
      () => keyAnswer(Buffer.alloc(384, 0xc1).toString('base64url'), { exp: 'yesterday' }),
      /non-numeric exp date 'yesterday'/
    ]
  ])('%s is refused before anything is stored', async (_, answer, message) => {
    world.azure.faults.add({ host: VAULT_HOST, method: 'GET', path: /\/keys\/disk-kek/, status: 200, body: answer() })
    const result = await world.run({ 'secret-name': 'vm-bad-kek', 'os-type': 'linux' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(message)])
    expect(world.versions('vm-bad-kek')).toHaveLength(0)
  })
})

describe('verify', () => {
  test('a failed verification whose disable is refused says both, with the command to finish by hand', async () => {
    const kid = `https://${VAULT_HOST}/keys/${KEK}/${world.kekVersion}`
    world.azure.faults.add({
      host: VAULT_HOST,
      method: 'POST',
      path: /unwrapkey/,
      status: 200,
      body: { kid, value: Buffer.alloc(32, 7).toString('base64url') }
    })
    world.azure.faults.add({
      host: VAULT_HOST,
      method: 'PATCH',
      path: /\/secrets\/vm-verify-stuck/,
      status: 403,
      body: { error: { code: 'Forbidden', message: 'Caller is not authorized to perform action on resource.' } }
    })
    const result = await world.run({ 'secret-name': 'vm-verify-stuck', 'os-type': 'linux', verify: 'true' })
    expect(result.exitCode).toBe(1)
    const [stored] = world.versions('vm-verify-stuck')
    const version = stored.id.slice(stored.id.lastIndexOf('/') + 1)
    expect(errors(result)).toEqual([
      expect.stringContaining(
        `Verification failed: Key Vault unwrapped the stored value with ${kid} to a different key. Disabling the stored version failed too`
      )
    ])
    expect(errors(result)[0]).toContain(
      `is still enabled and must not be used. Disable it by hand: az keyvault secret set-attributes --vault-name ${VAULT} --name vm-verify-stuck --version ${version} --enabled false`
    )
    expect(stored.attributes.enabled).toBe(true)
    expectNoOutputs(result)
  })

  test('with if-exists: reuse, the reused secret is unwrapped too', async () => {
    const first = await world.run({ 'secret-name': 'vm-reuse-verify', 'os-type': 'linux' })
    expect(first.exitCode).toBe(0)
    world.azure.clearLogs()
    const result = await world.run({ 'secret-name': 'vm-reuse-verify', 'os-type': 'linux', 'if-exists': 'reuse', verify: 'true' })
    expect(result.exitCode).toBe(0)
    expect(operations(world.azure)).toContain('unwrapKey')
    expect(operations(world.azure)).not.toContain('setSecret')
    expect(result.stdout).toContain(`Verified: the vault unwraps ${first.outputs['secret-url']}`)
  })

  test('with if-exists: reuse, a reused secret the vault cannot unwrap fails the step', async () => {
    await seedHostileTag('vm-reuse-bad', `https://${VAULT_HOST}/keys/${KEK}/${world.kekVersion}`)
    const [stored] = world.versions('vm-reuse-bad').slice(-1)
    await putSecret('vm-reuse-bad', { value: 'A'.repeat(512), contentType: stored.contentType, tags: stored.tags })
    world.azure.clearLogs()
    const result = await world.run({ 'secret-name': 'vm-reuse-bad', 'os-type': 'linux', 'if-exists': 'reuse', verify: 'true' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/reused version .* was not changed/)])
    expectNoOutputs(result)
  })
})
