// Peer: Azure CLI 2.45 from Debian's packages (bench/peers/az-cli.sh), in an isolated config dir.
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runProcess, works } from '../proc.ts'
import { newSecretName, peerRun, type Peer, type PeerRun } from './types.ts'

const SCRIPT = fileURLToPath(new URL('./az-cli.sh', import.meta.url))

export const azCliPeer: Peer = {
  id: 'az-cli',
  label: 'Azure CLI 2.45 (az login + az rest)',
  async unavailable(world) {
    const jq = await works('bash', ['-c', 'command -v jq && command -v curl && command -v basenc'], world.peerEnv())
    if (!jq.ok) return 'the script needs jq, curl and basenc'
    const r = await works(
      'az',
      ['version', '--output', 'tsv'],
      world.peerEnv({ AZURE_CONFIG_DIR: join(world.dir, 'az-probe'), AZURE_CORE_COLLECT_TELEMETRY: 'no' }),
      60_000
    )
    return r.ok ? undefined : `az not usable here (${r.detail || 'not installed'})`
  },
  async run(world): Promise<PeerRun> {
    const secretName = newSecretName('az')
    const configDir = await mkdtemp(join(world.dir, 'az-'))
    try {
      const r = await runProcess('bash', [SCRIPT], {
        env: world.peerEnv({ SECRET_NAME: secretName, AZURE_CONFIG_DIR: configDir, AZURE_CORE_COLLECT_TELEMETRY: 'no' }),
        timeoutMs: 120_000
      })
      return peerRun(r, secretName)
    } finally {
      await rm(configDir, { recursive: true, force: true })
    }
  }
}
