/**
 * Every answer is untrusted: hostile tags, ids, kids, wrapped values and token claims neither
 * reach stdout as workflow commands nor become outputs, and a bad answer never passes for success.
 */
import { describe, expect, jest, test } from '@jest/globals'
import type { RunActionResult } from '../../../emulator/runner.ts'
import { expectSafe, injectedCommands, putSecret } from '../hostile.ts'
import { KEK, VAULT, errors, operations, useWorld } from '../world.ts'

// Each test runs the bundle once or more, on a machine that may be busy.
jest.setTimeout(30_000)
const world = useWorld()
const VAULT_HOST = `${VAULT}.vault.azure.net`

const HOSTILE =
  'x\n::error file=x::INJECTED\n::stop-commands::tok\n::set-output name=secret-url::https://evil.example/\r::warning::CR%0A::notice::pct</code></pre><h1>H</h1>'

/** A real BEK under `name`, then a new version with the same value and a hostile KEK tag. */
async function seedHostileTag(name: string, tag: string): Promise<void> {
  const first = await world.run({ 'secret-name': name, 'os-type': 'linux' })
  expect(first.exitCode).toBe(0)
  const [stored] = world.versions(name)
  await putSecret(world, name, {
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
    expectSafe(world, result, { exitCode: 1, name, before: 2 })
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
    expectSafe(world, result, { exitCode: 1, name: 'vm-cn-tag', before: 2 })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/is not a versioned key URL in a AzureCloud Key Vault/)])
    expectNoOutputs(result)
  })

  test('naming another KEK of the same cloud is reused with a warning', async () => {
    const other = `https://other-vault.vault.azure.net/keys/old-kek/${'b'.repeat(32)}`
    await seedHostileTag('vm-other-kek', other)
    const result = await world.run({ 'secret-name': 'vm-other-kek', 'if-exists': 'reuse', 'os-type': 'linux' })
    expectSafe(world, result, { exitCode: 0, name: 'vm-other-kek', before: 2, kekUrl: other })
    const warning = `wrapped with the KEK ${other}, not the requested https://${VAULT_HOST}/keys/${KEK}`
    expect(result.stdout).toMatch(new RegExp(`^::warning::.*${warning}`, 'm'))
    expect(result.summary).toMatch(new RegExp(`<h3>Warnings</h3>[^]*${warning}`))
    expect(result.outputs['kek-url']).toBe(other)
    expect(result.outputs['secret-url']).toBe(world.versions('vm-other-kek')[1]?.id)
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
    const before = world.versions('vm-reuse-id').length
    const result = await world.run({ 'secret-name': 'vm-reuse-id', 'if-exists': 'reuse', 'os-type': 'linux' })
    expectSafe(world, result, { exitCode: 1, name: 'vm-reuse-id', before })
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
    expectSafe(world, result, { exitCode: 1, name: 'vm-put' })
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
    expectSafe(world, result, { exitCode: 1, name: 'vm-wrap' })
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
    expectSafe(world, result, { exitCode: 0, name: 'vm-wrap-ok' })
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
    expectSafe(world, result, { exitCode: 1, name: 'vm-bad-kek' })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(message)])
    expect(world.versions('vm-bad-kek')).toHaveLength(0)
  })
})

describe('verify', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'refused (403)',
      { status: 403, body: { error: { code: 'Forbidden', message: 'Caller is not authorized to perform action on resource.' } } },
      /Caller is not authorized/
    ],
    // Reset on every attempt, the pipeline's retries included.
    ['reset', { reset: true, times: 10 }, /Could not reach bek-e2e\.vault\.azure\.net \(ECONNRESET\)/]
  ])(
    'a failed verification whose disable is %s says both, with the command to finish by hand',
    async (how, patch, why) => {
      const name = `vm-verify-stuck-${how === 'reset' ? 'reset' : '403'}`
      const kid = `https://${VAULT_HOST}/keys/${KEK}/${world.kekVersion}`
      world.azure.faults.add({
        host: VAULT_HOST,
        method: 'POST',
        path: /unwrapkey/,
        status: 200,
        body: { kid, value: Buffer.alloc(32, 7).toString('base64url') }
      })
      world.azure.faults.add({ host: VAULT_HOST, method: 'PATCH', path: /\/secrets\/vm-verify-stuck/, ...patch })
      const result = await world.run({ 'secret-name': name, 'os-type': 'linux', verify: 'true' })
      expectSafe(world, result, { exitCode: 1, name })
      const [stored] = world.versions(name)
      const version = stored.id.slice(stored.id.lastIndexOf('/') + 1)
      expect(errors(result)).toEqual([
        expect.stringContaining(
          `Verification failed: Key Vault unwrapped the stored value with ${kid} to a different key. Disabling the stored version failed too`
        )
      ])
      expect(errors(result)[0]).toMatch(why)
      expect(errors(result)[0]).toContain(
        `${stored.id} is still enabled and must not be used. Disable it by hand: az keyvault secret set-attributes --vault-name ${VAULT} --name ${name} --version ${version} --enabled false`
      )
      expect(stored.attributes.enabled).toBe(true)
      expectNoOutputs(result)
    },
    30_000
  )

  test('with if-exists: reuse, the reused secret is unwrapped too', async () => {
    const first = await world.run({ 'secret-name': 'vm-reuse-verify', 'os-type': 'linux' })
    expect(first.exitCode).toBe(0)
    world.azure.clearLogs()
    const result = await world.run({ 'secret-name': 'vm-reuse-verify', 'os-type': 'linux', 'if-exists': 'reuse', verify: 'true' })
    expectSafe(world, result, { exitCode: 0, name: 'vm-reuse-verify', before: 1 })
    expect(result.exitCode).toBe(0)
    expect(operations(world.azure)).toContain('unwrapKey')
    expect(operations(world.azure)).not.toContain('setSecret')
    expect(result.stdout).toContain(`Verified: the vault unwraps ${first.outputs['secret-url']}`)
  })

  test('with if-exists: reuse, a reused secret the vault cannot unwrap fails the step', async () => {
    await seedHostileTag('vm-reuse-bad', `https://${VAULT_HOST}/keys/${KEK}/${world.kekVersion}`)
    const [stored] = world.versions('vm-reuse-bad').slice(-1)
    await putSecret(world, 'vm-reuse-bad', { value: 'A'.repeat(512), contentType: stored.contentType, tags: stored.tags })
    world.azure.clearLogs()
    const result = await world.run({ 'secret-name': 'vm-reuse-bad', 'os-type': 'linux', 'if-exists': 'reuse', verify: 'true' })
    expectSafe(world, result, { exitCode: 1, name: 'vm-reuse-bad', before: world.versions('vm-reuse-bad').length })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([expect.stringMatching(/reused version .* was not changed/)])
    expectNoOutputs(result)
  })
})

describe('redirects from Key Vault are not followed, writes above all', () => {
  test.each([
    ['a same-origin 307 on the PUT', 'PUT', /\/secrets\/vm-redirect-307$/, 307, `https://${VAULT_HOST}/secrets/vm-elsewhere`],
    ['a same-origin 308 on the PUT', 'PUT', /\/secrets\/vm-redirect-308$/, 308, `https://${VAULT_HOST}/secrets/vm-elsewhere`],
    ['a same-origin 307 on the wrap', 'POST', /\/wrapkey$/, 307, `https://${VAULT_HOST}/keys/other-kek/${'f'.repeat(32)}/wrapkey`],
    ['a same-origin 301 on reading the KEK', 'GET', /\/keys\/disk-kek/, 301, `https://${VAULT_HOST}/keys/other-kek/`]
  ])('%s', async (title, method, path, status, location) => {
    const name = `vm-redirect-${title.includes('308') ? '308' : title.includes('PUT') ? '307' : method.toLowerCase()}`
    world.azure.faults.add({ host: VAULT_HOST, method, path, status, headers: { location }, body: '' })
    const result = await world.run({ 'secret-name': name, 'os-type': 'linux' })
    expectSafe(world, result, { exitCode: 1, name })
    expect(errors(result)).toEqual([
      expect.stringMatching(
        new RegExp(
          `answered .* with a redirect \\(HTTP ${status} to ${location.replace(/[.:/]/g, '\\$&')}\\), which this action does not follow`
        )
      )
    ])
    // The redirect's target was never asked for, so nothing was stored under another name.
    const target = new URL(location).pathname
    expect(world.azure.requests.filter((r) => r.path === target)).toEqual([])
    expect(world.versions('vm-elsewhere')).toHaveLength(0)
    if (method === 'PUT') expect(errors(result)[0]).toMatch(/A version may have been stored: .*list-versions .*--name vm-redirect/)
    else expect(world.versions(name)).toHaveLength(0)
  })
})

describe('answers the JSON or URL parser cannot read are errors naming the request', () => {
  const request = (what: string): RegExp => new RegExp(`answer to ${what}|answered for ${what}`)
  test.each<[string, string, RegExp, unknown, Record<string, string>, RegExp]>([
    [
      'the KEK read: null',
      'GET',
      /\/keys\/disk-kek/,
      'null',
      {},
      /answered for https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek without a key identifier/
    ],
    [
      'the KEK read: an HTML page',
      'GET',
      /\/keys\/disk-kek/,
      '<html>Gateway</html>',
      {},
      request('GET https://bek-e2e\\.vault\\.azure\\.net/keys/disk-kek')
    ],
    [
      'the KEK read: no modulus',
      'GET',
      /\/keys\/disk-kek/,
      'NO_N',
      {},
      /answer to GET https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek has no RSA modulus \(key\.n\); refusing to use the KEK/
    ],
    [
      'the wrap: null',
      'POST',
      /\/wrapkey$/,
      'null',
      {},
      /answer to POST https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek\/.*wrapkey has no value; nothing was stored/
    ],
    [
      'the wrap: an HTML page',
      'POST',
      /\/wrapkey$/,
      '<html>Gateway</html>',
      {},
      /answer to POST https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek\/.*wrapkey is not JSON .*Nothing was stored/
    ],
    [
      'the name check: an HTML page',
      'GET',
      /\/secrets\/vm-parse-/,
      '<html>Gateway</html>',
      { 'if-exists': 'reuse' },
      request('GET https://bek-e2e\\.vault\\.azure\\.net/secrets/vm-parse-')
    ],
    [
      'the name check: null',
      'GET',
      /\/secrets\/vm-parse-/,
      'null',
      { 'if-exists': 'reuse' },
      /answer to GET https:\/\/bek-e2e\.vault\.azure\.net\/secrets\/vm-parse-.* is null/
    ],
    [
      'the store: null',
      'PUT',
      /\/secrets\/vm-parse-/,
      'null',
      {},
      /answer to PUT https:\/\/bek-e2e\.vault\.azure\.net\/secrets\/vm-parse-.* has no id.*A version may have been stored/
    ],
    [
      'the unwrap (verify): an HTML page',
      'POST',
      /\/unwrapkey$/,
      '<html>Gateway</html>',
      { verify: 'true' },
      /Verification failed: Key Vault's answer to POST https:\/\/bek-e2e\.vault\.azure\.net\/keys\/disk-kek\/[0-9a-f]{32}\/unwrapkey is unusable .*was disabled/
    ]
  ])('%s', async (title, method, path, body, inputs, message) => {
    const name = `vm-parse-${title.replace(/\W+/g, '-').toLowerCase()}`.slice(0, 60)
    const answer =
      body === 'NO_N'
        ? { key: { kid: `https://${VAULT_HOST}/keys/${KEK}/${world.kekVersion}`, kty: 'RSA' }, attributes: { enabled: true } }
        : body
    world.azure.faults.add({ host: VAULT_HOST, method, path, status: 200, body: answer, headers: { 'content-type': 'application/json' } })
    const result = await world.run({ 'secret-name': name, 'os-type': 'linux', ...inputs })
    expectSafe(world, result, { exitCode: 1, name })
    expect(errors(result)).toEqual([expect.stringMatching(message)])
    expect(errors(result)[0]).not.toMatch(
      /^::error::(?:Unexpected token|Invalid URL|Cannot (?:read|destructure)|RSA-0|SyntaxError|TypeError)/
    )
    if (!inputs.verify && method !== 'PUT') expect(world.versions(name)).toHaveLength(0)
  })

  test.each<[string, number, string]>([
    ['an HTML page', 200, '<html><body>Sign in</body></html>'],
    ['null', 200, 'null'],
    ['a 502 error page', 502, '<html>Bad Gateway</html>']
  ])(
    "Entra ID's token answer: %s",
    async (_, status, body) => {
      world.azure.faults.add({ host: 'login.microsoftonline.com', method: 'POST', path: /\/token$/, status, body, times: 10 })
      const result = await world.run({ 'secret-name': 'vm-entra-answer', 'os-type': 'linux' })
      expectSafe(world, result, { exitCode: 1, name: 'vm-entra-answer' })
      expect(errors(result)).toEqual([
        expect.stringMatching(
          /^::error::Entra ID's token endpoint login\.microsoftonline\.com gave no usable answer to the sign-in .*HTTPS_PROXY\/NO_PROXY.*re-run/
        )
      ])
      expect(operations(world.azure)).toEqual([])
    },
    30_000
  )

  test("the runner's token URL that is not a URL: an error naming the variable, no request", async () => {
    const result = await world.run({ 'os-type': 'linux' }, { env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'not a url' } })
    expect(result.exitCode).toBe(1)
    expect(errors(result)).toEqual([
      expect.stringMatching(/^::error::The runner's ACTIONS_ID_TOKEN_REQUEST_URL is not an https URL.*id-token: write/)
    ])
    expect(world.azure.requests.filter((r) => r.operation === 'idToken')).toEqual([])
  })
})

describe('KEK sizes ADE supports are accepted, and what is stored decrypts with them', () => {
  test.each([2048, 4096] as const)('RSA-%i', async (size) => {
    await world.azure.keyVault.createKey(VAULT, `kek-${size}`, { size })
    const name = `vm-kek-${size}`
    const result = await world.run({ 'kek-name': `kek-${size}`, 'secret-name': name, 'os-type': 'linux' })
    expect(result.exitCode).toBe(0)
    expect(injectedCommands(result)).toEqual([])
    expect(result.outputs['kek-url']).toMatch(new RegExp(`^https://${VAULT_HOST.replace(/\./g, '\\.')}/keys/kek-${size}/[0-9a-f]{32}$`))
    const [stored] = world.versions(name)
    expect(Buffer.from(stored.value, 'base64url')).toHaveLength(size / 8)
    expect(world.unwrapLocally(stored.value, 'RSA-OAEP', VAULT, `kek-${size}`)).toHaveLength(32)
  })
})

describe('a refused unwrap (verify) is read like any error body', () => {
  test('"Operation unwrapKey is not permitted" reaches the message and blames the key, not a role', async () => {
    world.azure.faults.add({
      host: VAULT_HOST,
      method: 'POST',
      path: /\/unwrapkey$/,
      status: 403,
      body: { error: { code: 'Forbidden', message: 'Operation unwrapKey is not permitted on this key.' } }
    })
    const result = await world.run({ 'secret-name': 'vm-unwrap-403', 'os-type': 'linux', verify: 'true' })
    expectSafe(world, result, { exitCode: 1, name: 'vm-unwrap-403' })
    expect(errors(result)).toEqual([
      expect.stringMatching(
        /Key Vault refused to unwrap the stored value \(verify\) because of the key's own settings\. Key Vault said: Forbidden: Operation unwrapKey is not permitted on this key\..*key_ops.*was disabled/
      )
    ])
    expect(errors(result)[0]).not.toContain('Grant it the RBAC role')
    const [stored] = world.versions('vm-unwrap-403')
    expect(stored.attributes.enabled).toBe(false)
  })
})
