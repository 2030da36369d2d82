/**
 * `npm run demo`: the whole product against local stand-ins of Entra ID, Key Vault and GitHub's
 * OIDC service — no Azure account, no network. It provisions a vault with a KEK and a federated
 * credential, runs the bundled action exactly as the GitHub runner would, then shows the
 * outputs, the stored secret and proof that the vault unwraps it back to the key.
 */
import { constants, createHash, createPrivateKey, privateDecrypt } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { startAde, type Ade } from '../emulator/ade.ts'
import { proxyClient } from '../emulator/http-client.ts'
import { startLocalAzure } from '../emulator/index.ts'
import { provisionBekVault, type BekVault } from '../emulator/provision.ts'
import { runAction } from '../emulator/runner.ts'

const RESTORE_ENTRY = fileURLToPath(new URL('../dist/restore-keys/index.js', import.meta.url))
const VAULT = 'bek-demo'
const KEK = 'disk-kek'
const say = (title: string): void => console.log(`\n\u25b6 ${title}`)
const indent = (text: string): string => text.trimEnd().replace(/^/gm, '    ')
const fingerprint = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16)

say('Starting local stand-ins of Entra ID, Key Vault and GitHub OIDC (reached by their real host names through a local proxy)')
const azure = await startLocalAzure()

/** Azure Backup takes the VM's keys, both are lost, restore-keys brings them back, and the VM boots again. */
async function restoreFromBackup(secretName: string, demo: BekVault, key: Buffer, ade: Ade): Promise<void> {
  say('Azure Backup: a recovery point of the VM takes its KEK (a Key Vault backup) and its wrapped BEK; then both are deleted and purged')
  const vault = azure.keyVault.vault(VAULT)
  const recoveryPointId = azure.arm.recoveryPoints.add({
    subscriptionId: vault.subscriptionId,
    resourceGroup: 'rg-backup',
    vault: 'rsv-demo',
    vmName: 'vm-demo',
    osType: 'Linux',
    secret: { vault, name: secretName },
    kek: { vault, name: KEK }
  })
  azure.arm.recoveryPoints.grantBackupReader(recoveryPointId, demo.objectId)
  azure.keyVault.grant(VAULT, demo.objectId, 'Key Vault Crypto Officer')
  azure.keyVault.deleteSecret(VAULT, secretName)
  azure.keyVault.purgeSecret(VAULT, secretName)
  azure.keyVault.deleteKey(VAULT, KEK)
  azure.keyVault.purgeKey(VAULT, KEK)
  console.log(
    indent(`recovery point ${recoveryPointId}\nsecret and KEK purged: ${azure.keyVault.getKey(VAULT, KEK) === undefined ? 'yes' : 'no'}`)
  )

  say('Running dist/restore-keys/index.js with recovery-point-id, as the runner would')
  azure.clearLogs()
  const inputs = { 'recovery-point-id': recoveryPointId, 'client-id': demo.clientId, 'tenant-id': demo.tenantId }
  const restored = await runAction({ localAzure: azure, entry: RESTORE_ENTRY, inputs })
  console.log(indent(restored.stdout.replace(/^::(?:add-mask|debug)::.*\n/gm, '') + restored.stderr))
  if (restored.exitCode !== 0) throw new Error(`restore-keys failed (exit ${restored.exitCode})`)
  console.log(indent(`requests: ${azure.requests.map((r) => r.operation ?? r.path).join(', ')}`))
  for (const name of ['kek-url', 'secret-url', 'kek-restored', 'secret-restored'])
    console.log(indent(`${name.padEnd(15)} ${restored.outputs[name]}`))

  say('At boot again, from the restored keys (the ADE stand-in)')
  const file = await ade.boot({ secretUrl: restored.outputs['secret-url']!, keyUrl: restored.outputs['kek-url']! }, { osType: 'linux' })
  const atBoot = await readFile(file.path)
  console.log(indent(atBoot.equals(key) ? `wrote ${file.fileName}: the same key as before the loss ✓` : 'MISMATCH ✗'))
  if (!atBoot.equals(key)) process.exitCode = 1
  atBoot.fill(0)
}
try {
  const demo = await provisionBekVault(azure, { vault: VAULT, kek: KEK })
  console.log(
    indent(
      `vault       ${demo.vaultUrl} (RBAC, tenant ${demo.tenantId})\n` +
        `KEK         ${demo.kekId} (RSA-3072)\n` +
        `federation  app ${demo.clientId} trusts ${demo.subject}`
    )
  )

  const inputs = { ...demo.inputs, 'os-type': 'linux', verify: 'true' }
  say(`Running dist/index.js as the runner would, with inputs ${JSON.stringify(inputs)}`)
  const result = await runAction({ localAzure: azure, inputs })
  // The runner swallows mask commands and shows debug lines only in debug mode.
  console.log(indent(result.stdout.replace(/^::(?:add-mask|debug)::.*\n/gm, '') + result.stderr))
  if (result.exitCode !== 0) throw new Error(`the action failed (exit ${result.exitCode})`)
  console.log(indent(`exit code 0 in ${result.durationMs} ms; requests: ${azure.requests.map((r) => r.operation ?? r.path).join(', ')}`))

  say('Outputs (GITHUB_OUTPUT)')
  for (const name of ['secret-url', 'kek-url', 'secret-name', 'secret-version'])
    console.log(indent(`${name.padEnd(15)} ${result.outputs[name]}`))

  say('The stored secret, as Azure Disk Encryption will read it')
  const [secret] = azure.keyVault.getSecretVersions(VAULT, result.outputs['secret-name']) as Array<{
    value: string
    contentType: string
    tags: Record<string, string>
  }>
  console.log(
    indent(
      `content type  ${secret.contentType}\n${Object.entries(secret.tags)
        .map(([k, v]) => `tag           ${k} = ${v}`)
        .join('\n')}\nvalue         ${secret.value.length} base64url characters (the wrapkey result, stored as returned)`
    )
  )

  say('Proof: the vault unwraps the stored value back to the key')
  const http = proxyClient(azure.proxyUrl, azure.caPath)
  try {
    const token = azure.entra.issueAccessToken(demo.clientId, 'https://vault.azure.net')
    const answer = await http.request('POST', `${result.outputs['kek-url']}/unwrapkey?api-version=7.5`, {
      headers: { authorization: `Bearer ${token}` },
      body: { alg: secret.tags.DiskEncryptionKeyEncryptionAlgorithm, value: secret.value }
    })
    const byVault = Buffer.from(answer.json.value as string, 'base64url')
    const pem = azure.keyVault.getKey(VAULT, KEK)?.privateKeyPem ?? ''
    const byKek = privateDecrypt(
      { key: createPrivateKey(pem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(secret.value, 'base64url')
    )
    console.log(
      indent(
        `vault unwrapkey (HTTP ${answer.status})                  -> ${byVault.length * 8}-bit key, SHA-256 ${fingerprint(byVault)}…\n` +
          `RSA-OAEP decrypt with the KEK's private key  -> ${byKek.length * 8}-bit key, SHA-256 ${fingerprint(byKek)}…\n` +
          (byVault.equals(byKek) && byVault.length === 32 ? 'identical: the secret holds a 256-bit key wrapped by the KEK ✓' : 'MISMATCH ✗')
      )
    )
    if (!byVault.equals(byKek)) process.exitCode = 1

    say("At boot: what Azure Disk Encryption does with the disk's encryption settings (the ADE stand-in, emulator/ade.ts)")
    const ade = startAde(azure, { vaults: [VAULT] })
    try {
      const file = await ade.boot({ secretUrl: result.outputs['secret-url']!, keyUrl: result.outputs['kek-url']! }, { osType: 'linux' })
      const atBoot = await readFile(file.path)
      console.log(
        indent(
          `read ${result.outputs['secret-url']}: content type 'Wrapped BEK', keyUrl = its DiskEncryptionKeyEncryptionKeyURL tag\n` +
            `unwrapkey with ${file.algorithm} -> wrote ${file.fileName} (${atBoot.length} bytes, SHA-256 ${fingerprint(atBoot)}…) to the BEK volume\n` +
            (atBoot.equals(byKek) ? 'dm-crypt/LUKS is handed the key the vault stores ✓' : 'MISMATCH ✗')
        )
      )
      if (!atBoot.equals(byKek)) process.exitCode = 1
      atBoot.fill(0)
      await restoreFromBackup(result.outputs['secret-name']!, demo, byKek, ade)
    } finally {
      await ade.close()
    }
  } finally {
    http.close()
  }
  console.log('\nNext: `npm test` runs the unit and end-to-end suites; `npm run emulator` keeps the stand-ins up for your own runs.')
} finally {
  await azure.close()
}
