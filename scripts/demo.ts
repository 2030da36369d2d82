/**
 * `npm run demo`: the whole key life cycle against local stand-ins of Entra ID, Key Vault,
 * Resource Manager and GitHub's OIDC service (no Azure account, no network), one short
 * paragraph per step and the line of what it proved. Each step runs a committed bundle (dist/)
 * the way the GitHub runner does. `npm run demo -- --step <name>` runs one step (after the
 * steps it needs, quietly).
 */
import { startAde } from '../emulator/ade.ts'
import { provisionDemoEstate } from '../emulator/estate.ts'
import { proxyClient } from '../emulator/http-client.ts'
import { startLocalAzure } from '../emulator/index.ts'
import { provisionBekVault } from '../emulator/provision.ts'
import * as steps from './demo-steps.ts'
import type { Demo, Told } from './demo-steps.ts'

type Step = { run: (d: Demo) => Promise<Told>; title: string; needs: string[] }
/** In the order of the life cycle; `needs` are run first, quietly, when one step is asked for. */
const STEPS: Record<string, Step> = {
  create: { run: steps.create, title: 'Create a BEK, with subscription-id', needs: [] },
  image: { run: steps.image, title: 'Hand a key to an image build (key-output-file), wiped by the post step', needs: [] },
  rotate: { run: steps.rotate, title: 'Rotate the KEK', needs: [] },
  inventory: { run: steps.inventory, title: 'Inventory: what depends on which KEK version', needs: ['create', 'rotate'] },
  rewrap: { run: steps.rewrap, title: 'Rewrap onto the new KEK version', needs: ['create', 'rotate'] },
  'inventory-again': { run: steps.inventoryAgain, title: 'Inventory again', needs: ['create', 'rotate', 'rewrap'] },
  estate: { run: steps.estate, title: 'Estate: every ADE disk of a subscription, and whether it would boot', needs: [] },
  'copy-keys': { run: steps.copyKeys, title: "Copy the keys to another region's vault", needs: ['create'] },
  'restore-keys': { run: steps.restoreKeys, title: 'Restore the keys from Azure Backup', needs: ['create'] }
}

const at = process.argv.indexOf('--step')
const only = at >= 0 ? process.argv[at + 1] : undefined
if (only !== undefined && !STEPS[only]) {
  console.error(`npm run demo -- --step <name>: '${only}' is not a step; the steps are ${Object.keys(STEPS).join(', ')}`)
  process.exit(2)
}
const indent = (text: string): string => text.trimEnd().replace(/^/gm, '    ')

const started = Date.now()
console.log(
  'Local stand-ins of Entra ID, Key Vault, Resource Manager and GitHub OIDC, reached by their real host names through a local proxy.'
)
const azure = await startLocalAzure()
try {
  const bek = await provisionBekVault(azure, { vault: 'bek-demo', kek: 'disk-kek' })
  // What the walkthrough needs beyond creating BEKs: rotating the KEK and restoring it (Crypto
  // Officer), and Reader on the subscription (with the estate's demo VMs and disks).
  azure.keyVault.grant(bek.vault, bek.objectId, 'Key Vault Crypto Officer')
  // As ADE needs it, which the create action checks with subscription-id.
  azure.keyVault.updateVault(bek.vault, { enabledForDiskEncryption: true })
  const estate = await provisionDemoEstate(azure, { objectId: bek.objectId })
  console.log(
    indent(
      `vault ${bek.vaultUrl} with the KEK ${bek.kek}; app ${bek.clientId}, trusting GitHub's OIDC tokens for ${bek.subject};\n` +
        `subscription ${estate.subscriptionId} with the estate's demo VMs.`
    )
  )
  const d: Demo = {
    azure,
    bek,
    subscriptionId: estate.subscriptionId,
    http: proxyClient(azure.proxyUrl, azure.caPath),
    ade: startAde(azure, { vaults: [bek.vault] })
  }
  try {
    const names = only ? STEPS[only]!.needs : []
    if (names.length > 0) console.log(`\nFirst, quietly: ${names.join(', ')}.`)
    for (const name of names) await STEPS[name]!.run(d)
    for (const name of only ? [only] : Object.keys(STEPS)) {
      const step = STEPS[name]!
      console.log(`\n\u25b6 ${step.title} (${name})`)
      try {
        const told = await step.run(d)
        console.log(`${indent(told.story)}\n    \u2713 ${told.proof}`)
      } catch (error) {
        console.log(indent(`\u2717 ${name}: ${error instanceof Error ? error.message : String(error)}`))
        process.exitCode = 1
        break
      }
    }
  } finally {
    d.http.close()
    await d.ade.close()
  }
  if (!process.exitCode) {
    console.log(`\n${only ? 'The step' : 'Every step'} proved what it claims, in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
    console.log('Next: `npm run emulator` keeps the stand-ins up for your own runs; `npm test` runs the suites.')
  }
} finally {
  await azure.close()
}
