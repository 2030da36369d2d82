// Peer: the Azure SDK for Python (Debian's python3-azure) with /usr/bin/python3 (bench/peers/python-sdk.py).
import { fileURLToPath } from 'node:url'
import { runProcess, works } from '../proc.ts'
import { newSecretName, peerRun, type Peer, type PeerRun } from './types.ts'

const SCRIPT = fileURLToPath(new URL('./python-sdk.py', import.meta.url))
const PYTHON = '/usr/bin/python3'

export const pythonPeer: Peer = {
  id: 'python-sdk',
  label: 'Azure SDK for Python',
  async unavailable(world) {
    const r = await works(PYTHON, ['-c', 'import azure.identity, azure.keyvault.keys, azure.keyvault.secrets'], world.peerEnv())
    return r.ok ? undefined : `python3-azure not importable with ${PYTHON} (${r.detail})`
  },
  async run(world): Promise<PeerRun> {
    const secretName = newSecretName('py')
    const r = await runProcess(PYTHON, [SCRIPT], { env: world.peerEnv({ SECRET_NAME: secretName }), timeoutMs: 60_000 })
    return peerRun(r, secretName)
  }
}
