/**
 * The steps of `npm run demo`: each runs a committed bundle the way the runner does (dist/…,
 * INPUT_* variables, the file commands) against the stand-ins, then proves what it claims from
 * what the stand-ins hold, independently of the action (the KEK's private keys, the ADE stand-in).
 */
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto'
import { existsSync, lstatSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Ade } from '../emulator/ade.ts'
import type { ProxyClient } from '../emulator/http-client.ts'
import type { LocalAzure } from '../emulator/index.ts'
import type { BekVault } from '../emulator/provision.ts'
import { POST_ENTRY, makeJobDir, runAction, type RunActionResult } from '../emulator/runner.ts'

export interface Demo {
  azure: LocalAzure
  bek: BekVault
  subscriptionId: string
  http: ProxyClient
  ade: Ade
  /** What the create step made, for the steps after it. */
  created?: { name: string; secretUrl: string; kekUrl: string }
}
export interface Told {
  /** One short paragraph: what the step did. */
  story: string
  /** What it proved, one line. */
  proof: string
}

const dist = (action: string) => fileURLToPath(new URL(`../dist/${action}index.js`, import.meta.url))
const json = <T>(text: string | undefined): T => JSON.parse(text ?? 'null') as T

/** The action's log as the runner shows it (no mask or debug commands), for a failure's message. */
const log = (r: RunActionResult) => (r.stdout.replace(/^::(?:add-mask|debug)::.*\n/gm, '') + r.stderr).trimEnd()

async function act(d: Demo, action: string, inputs: Record<string, string>, jobDir?: string): Promise<RunActionResult> {
  const sign = { 'client-id': d.bek.clientId, 'tenant-id': d.bek.tenantId }
  const result = await runAction({
    localAzure: d.azure,
    entry: dist(action),
    inputs: { ...sign, ...inputs },
    ...(jobDir ? { jobDir } : {})
  })
  if (result.exitCode !== 0) throw new Error(`dist/${action}index.js failed (exit ${result.exitCode}):\n${log(result)}`)
  return result
}

/** The key a stored version holds: its value unwrapped with the private key of the KEK version its tag names. */
function keyOf(d: Demo, secretUrl: string): Buffer {
  const [, name, version] = /\/secrets\/([^/]+)\/([0-9a-f]+)$/.exec(secretUrl) ?? []
  const stored = d.azure.keyVault.getSecretVersions(d.bek.vault, name ?? '').find((s) => String(s['id']).endsWith(`/${version}`))
  if (!stored) throw new Error(`${secretUrl} is not in the vault`)
  const kekUrl = (stored['tags'] as Record<string, string>)['DiskEncryptionKeyEncryptionKeyURL']
  const kek = d.azure.keyVault.getKeyVersions(d.bek.vault, d.bek.kek).find((k) => k.kid === kekUrl)
  if (!kek) throw new Error(`${secretUrl} names KEK version ${kekUrl}, which is not in the vault`)
  const padding = { key: createPrivateKey(kek.privateKeyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }
  return privateDecrypt(padding, Buffer.from(String(stored['value']), 'base64url'))
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what)
}

export async function create(d: Demo): Promise<Told> {
  const inputs = { ...d.bek.inputs, 'os-type': 'linux', verify: 'true', 'subscription-id': d.subscriptionId, 'secret-name': 'vm-web-01-os' }
  const r = await act(d, '', inputs)
  const { 'secret-url': secretUrl = '', 'kek-url': kekUrl = '', 'key-vault-id': vaultId = '' } = r.outputs
  const settings = json<{ diskEncryptionKey: { secretUrl: string; sourceVault: { id: string } }; keyEncryptionKey: { keyUrl: string } }>(
    r.outputs['encryption-settings']
  )
  check(
    settings.diskEncryptionKey.secretUrl === secretUrl && settings.keyEncryptionKey.keyUrl === kekUrl,
    'encryption-settings does not name the secret and KEK'
  )
  check(
    settings.diskEncryptionKey.sourceVault.id === vaultId && vaultId.endsWith(`/vaults/${d.bek.vault}`),
    'encryption-settings does not name the vault by ID'
  )
  const key = keyOf(d, secretUrl)
  const file = await d.ade.boot({ secretUrl, keyUrl: kekUrl }, { osType: 'linux' })
  const atBoot = readFileSync(file.path)
  check(key.length === 32 && atBoot.equals(key), 'the ADE stand-in did not unlock with the stored key')
  key.fill(0)
  atBoot.fill(0)
  d.created = { name: 'vm-web-01-os', secretUrl, kekUrl }
  return {
    story:
      `dist/index.js with subscription-id made a 256-bit key, had the vault wrap it with ${d.bek.kek} and stored ${secretUrl}\n` +
      `(content type 'Wrapped BEK', ADE's tags). With subscription-id it also gave key-vault-id ${vaultId}\n` +
      'and encryption-settings, the JSON a Bicep template or ARM takes as the disk’s encryptionSettings.',
    proof: `create: the secret unwraps (KEK private key) to a 256-bit key; encryption-settings names it and its vault by ID; the ADE stand-in unlocks with it at boot`
  }
}

export async function image(d: Demo): Promise<Told> {
  const job = await makeJobDir()
  try {
    const keyFile = join(job.runnerTemp, 'disk.key')
    const inputs = { ...d.bek.inputs, 'os-type': 'linux', 'secret-name': 'image-web-os', 'key-output-file': keyFile }
    const r = await act(d, '', inputs, job.dir)
    check(r.outputs['key-output-file'] === keyFile && existsSync(keyFile), 'the key-output-file was not written')
    check((lstatSync(keyFile).mode & 0o777) === 0o600, 'the key-output-file is not mode 0600')
    const handed = readFileSync(keyFile)
    const stored = keyOf(d, r.outputs['secret-url']!)
    check(handed.equals(stored), 'the key-output-file does not hold the key the vault stores')
    handed.fill(0)
    stored.fill(0)
    // The job's end: the runner runs the post step with what the main step saved.
    const post = await runAction({ localAzure: d.azure, entry: POST_ENTRY, inputs: {}, state: r.state, jobDir: job.dir })
    check(post.exitCode === 0 && !existsSync(keyFile), `the post step left ${keyFile} (exit ${post.exitCode}):\n${log(post)}`)
    return {
      story:
        'An image build encrypts its disk (LUKS) before Azure sees it: key-output-file handed the build the key in a file\n' +
        `under RUNNER_TEMP, once ${r.outputs['secret-url']} was stored. At the job's end the post step overwrote it with zeros and deleted it.`,
      proof: 'image: the build got the key the vault stores, in a 0600 file; the post step wiped it'
    }
  } finally {
    await rm(job.dir, { recursive: true, force: true })
  }
}

export async function rotate(d: Demo): Promise<Told> {
  // As a workflow's `az keyvault key rotate` does: POST /keys/{name}/rotate with the app's vault token.
  const token = d.azure.entra.issueAccessToken(d.bek.clientId, 'https://vault.azure.net')
  const answer = await d.http.request('POST', `${d.bek.vaultUrl}/keys/${d.bek.kek}/rotate?api-version=7.5`, {
    headers: { authorization: `Bearer ${token}` },
    body: {}
  })
  const kid = String((answer.json?.['key'] as Record<string, unknown> | undefined)?.['kid'] ?? '')
  const versions = d.azure.keyVault.getKeyVersions(d.bek.vault, d.bek.kek)
  check(answer.status === 200 && versions.length >= 2 && versions.at(-1)!.kid === kid, `the rotation failed (HTTP ${answer.status})`)
  return {
    story:
      `The app (Key Vault Crypto Officer) rotated ${d.bek.kek}: a new current version, ${kid}.\n` +
      'No BEK changed: each still names the version that wrapped it, so disabling the old version now would leave its disks unbootable.',
    proof: `rotate: ${d.bek.kek} has ${versions.length} versions; the current one is new`
  }
}

type KekVersion = { 'kek-url': string; state: string; 'bek-count': number }

export async function inventory(d: Demo): Promise<Told> {
  const r = await act(d, 'inventory/', { 'key-vault': d.bek.vault })
  const versions = json<KekVersion[]>(r.outputs['kek-versions'])
  const old = versions.filter((v) => v.state === 'not-current')
  check(r.outputs['at-risk-count'] === '0', `at-risk-count is ${r.outputs['at-risk-count']}, not 0`)
  check(old.length > 0 && old.every((v) => v['bek-count'] > 0), 'no BEK is reported on a not-current KEK version')
  const count = old.reduce((n, v) => n + v['bek-count'], 0)
  return {
    story:
      `dist/inventory/index.js read every wrapped BEK in ${d.bek.vault} and each KEK version they name once: ` +
      `${versions.map((v) => `${v.state} (${v['bek-count']} BEK)`).join(', ')}.`,
    proof: `inventory: 0 at risk (every BEK still unwraps); ${count} BEK version(s) on a KEK version that is not current: rewrap them`
  }
}

export async function rewrap(d: Demo): Promise<Told> {
  const r = await act(d, 'rewrap/', { 'key-vault': d.bek.vault, 'kek-name': d.bek.kek })
  const moved = json<Array<Record<string, string>>>(r.outputs['rewrapped'])
  const current = d.azure.keyVault.getKeyVersions(d.bek.vault, d.bek.kek).at(-1)!.kid
  check(moved.length > 0, 'nothing was rewrapped')
  for (const m of moved) {
    const [before, after] = [keyOf(d, m['previous-secret-url']!), keyOf(d, m['secret-url']!)]
    check(
      m['kek-url'] === current && before.equals(after),
      `${m['name']}: the new version does not hold the same key on the current KEK version`
    )
    before.fill(0)
    after.fill(0)
  }
  return {
    story:
      `dist/rewrap/index.js had the vault unwrap each BEK with its old KEK version and wrap the same bytes with the current one,\n` +
      `verified, then stored as a new version of the same secret: ${moved.map((m) => m['name']).join(', ')}. The old versions stay, so disks that name them still boot.`,
    proof: `rewrap: ${moved.length} secret(s) have a new version on the current KEK version, holding the same key`
  }
}

export async function inventoryAgain(d: Demo): Promise<Told> {
  const r = await act(d, 'inventory/', { 'key-vault': d.bek.vault, 'fail-on': 'not-current' })
  const versions = json<KekVersion[]>(r.outputs['kek-versions'])
  const ok = versions.find((v) => v.state === 'ok')
  check(!!ok && ok['bek-count'] > 0, 'no BEK is on the current KEK version')
  return {
    story:
      'The inventory again, with fail-on: not-current, which fails when a BEK’s latest version is on an old KEK version.\n' +
      `It passed: ${ok!['bek-count']} BEK version(s) on the current one. Next: re-point each disk at its new secret-url, then disable the old KEK version.`,
    proof: 'inventory-again: every BEK’s latest version is on the current KEK version (fail-on: not-current passed)'
  }
}

export async function estate(d: Demo): Promise<Told> {
  const r = await act(d, 'estate/', { 'subscription-ids': d.subscriptionId })
  const o = r.outputs
  check(o['ade-vm-count'] === '6' && o['ade-disk-count'] === '9' && o['at-risk-count'] === '2', `estate counts ${JSON.stringify(o)}`)
  const atRisk = r.stdout.split('\n').filter((l) => l.startsWith('::warning::') && l.includes(': at risk'))
  check(atRisk.length === 2, 'the two disks at risk are not each named in a warning')
  return {
    story:
      `dist/estate/index.js read subscription ${d.subscriptionId} through Resource Manager (Reader) and each key the ADE disks name:\n` +
      `${o['ade-vm-count']} VMs and scale sets with ADE, ${o['ade-disk-count']} ADE disks; ${o['days-to-retirement']} days to ADE's retirement.`,
    proof: `estate: 2 of ${o['ade-disk-count']} ADE disks at risk at their next boot (a disabled KEK, a deleted secret), each named with its fix`
  }
}

/** copy-keys: the BEK into a vault of another region, wrapped with that vault's own KEK (Site Recovery needs it there). */
export async function copyKeys(d: Demo): Promise<Told> {
  const { secretUrl } = d.created!
  const kv = d.azure.keyVault
  const target = 'bek-demo-dr'
  kv.createVault(target, { enabledForDiskEncryption: true, location: 'westus2' })
  for (const role of ['Key Vault Crypto Service Encryption User', 'Key Vault Secrets Officer'] as const)
    kv.grant(target, d.bek.objectId, role)
  const drKek = await kv.createKey(target, 'dr-kek', { size: 3072 })
  const r = await act(d, 'copy-keys/', { 'secret-url': secretUrl, 'target-key-vault': target, 'target-kek-name': 'dr-kek' })
  const [copy] = json<Array<{ 'secret-url': string; state: string }>>(r.outputs['copied'])
  check(copy?.state === 'stored', `copy-keys copied ${r.outputs['copied']}`)
  const stored = kv.getSecretVersions(target, new URL(copy!['secret-url']).pathname.split('/')[2]!).at(-1)!
  check(
    (stored['tags'] as Record<string, string>)['DiskEncryptionKeyEncryptionKeyURL'] === drKek.kid,
    'the copy is not tagged with the DR KEK'
  )
  const padding = { key: createPrivateKey(drKek.privateKeyPem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }
  const copied = privateDecrypt(padding, Buffer.from(String(stored['value']), 'base64url'))
  const source = keyOf(d, secretUrl)
  check(copied.equals(source), 'the copy does not unwrap to the source key')
  check(!d.azure.requests.some((q) => /\/(en|de)crypt$/i.test(q.path)), 'copy-keys used encrypt or decrypt')
  copied.fill(0)
  source.fill(0)
  return {
    story:
      `dist/copy-keys/index.js had ${d.bek.vault} unwrap the BEK (unwrapKey, never decrypt) and ${target}, a vault in westus2, wrap the same bytes with\n` +
      `its own KEK, verified that ${target} unwraps the new wrap to those bytes, and only then stored it there with the BEK's tags.`,
    proof: `copy-keys: ${target} holds the BEK wrapped with its own KEK, and that KEK's private key unwraps it to the source's key`
  }
}

export async function restoreKeys(d: Demo): Promise<Told> {
  const { name, secretUrl } = d.created!
  const key = keyOf(d, d.azure.keyVault.getSecretVersions(d.bek.vault, name).at(-1)!['id'] as string)
  const vault = d.azure.keyVault.vault(d.bek.vault)
  const recoveryPointId = d.azure.arm.recoveryPoints.add({
    subscriptionId: vault.subscriptionId,
    resourceGroup: 'rg-backup',
    vault: 'rsv-demo',
    vmName: 'vm-web-01',
    osType: 'Linux',
    secret: { vault, name },
    kek: { vault, name: d.bek.kek }
  })
  d.azure.arm.recoveryPoints.grantBackupReader(recoveryPointId, d.bek.objectId)
  d.azure.keyVault.deleteSecret(d.bek.vault, name)
  d.azure.keyVault.purgeSecret(d.bek.vault, name)
  d.azure.keyVault.deleteKey(d.bek.vault, d.bek.kek)
  d.azure.keyVault.purgeKey(d.bek.vault, d.bek.kek)
  const r = await act(d, 'restore-keys/', { 'recovery-point-id': recoveryPointId })
  const file = await d.ade.boot({ secretUrl: r.outputs['secret-url']!, keyUrl: r.outputs['kek-url']! }, { osType: 'linux' })
  const atBoot = readFileSync(file.path)
  check(atBoot.equals(key), 'the restored keys do not unlock with the key from before the loss')
  check(r.outputs['kek-restored'] === 'true' && r.outputs['secret-restored'] === 'true', 'restore-keys did not restore both')
  atBoot.fill(0)
  key.fill(0)
  return {
    story:
      `Azure Backup took the VM's KEK and its wrapped BEK (${secretUrl.replace(/\/[0-9a-f]+$/, '')}) in a recovery point; then both were\n` +
      `deleted and purged. dist/restore-keys/index.js restored the KEK from the recovery point, checked that it unwraps the BEK, and stored it again.`,
    proof: 'restore-keys: the KEK and the BEK are back, and the ADE stand-in boots with the same key as before the loss'
  }
}
