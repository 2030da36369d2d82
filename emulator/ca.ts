// Test CA + one server certificate for every Azure/GitHub host name the stand-ins answer.
// Generated with the openssl CLI (no npm dependency); EC P-256 keeps generation fast.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const SERVER_CERT_HOSTS = [
  '*.vault.azure.net',
  '*.vault.azure.cn',
  '*.vault.usgovcloudapi.net',
  '*.managedhsm.azure.net',
  'login.microsoftonline.com',
  'login.chinacloudapi.cn',
  'login.microsoftonline.us',
  'management.azure.com',
  'management.chinacloudapi.cn',
  'management.usgovcloudapi.net',
  'token.actions.githubusercontent.com',
  '*.actions.githubusercontent.com'
]

export interface TestPki {
  caCertPem: string
  serverKeyPem: string
  serverCertPem: string
}

let cached: Promise<TestPki> | undefined

/** Generated once per process: several emulators in one jest worker share the same CA. */
export function getTestPki(): Promise<TestPki> {
  cached ??= generatePki().catch((err: unknown) => {
    cached = undefined
    throw err
  })
  return cached
}

async function generatePki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'local-azure-pki-'))
  const p = (f: string) => join(dir, f)
  try {
    const ecKey = ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
    await Promise.all([run('openssl', [...ecKey, '-out', p('ca.key')]), run('openssl', [...ecKey, '-out', p('server.key')])])
    // Python >= 3.13 verifies with X509_STRICT: the CA needs critical basicConstraints + keyUsage,
    // the leaf needs an authority key identifier. Keep both so `az`/requests accept the chain.
    await writeFile(
      p('ca.cnf'),
      [
        '[req]',
        'distinguished_name=dn',
        'x509_extensions=v3_ca',
        'prompt=no',
        '[dn]',
        'CN=Local Azure Test CA',
        'O=local-azure emulator',
        '[v3_ca]',
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,keyCertSign,cRLSign',
        'subjectKeyIdentifier=hash',
        ''
      ].join('\n')
    )
    await writeFile(
      p('server.ext'),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid,issuer',
        `subjectAltName=${SERVER_CERT_HOSTS.map((h) => `DNS:${h}`).join(',')}`,
        ''
      ].join('\n')
    )
    await run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      p('ca.key'),
      '-sha256',
      '-days',
      '30',
      '-config',
      p('ca.cnf'),
      '-out',
      p('ca.pem')
    ])
    await run('openssl', ['req', '-new', '-key', p('server.key'), '-subj', '/CN=local-azure', '-out', p('server.csr')])
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      p('server.csr'),
      '-CA',
      p('ca.pem'),
      '-CAkey',
      p('ca.key'),
      '-set_serial',
      `0x${Date.now().toString(16)}`,
      '-days',
      '30',
      '-sha256',
      '-extfile',
      p('server.ext'),
      '-out',
      p('server.pem')
    ])
    const [caCertPem, serverKeyPem, serverCertPem] = await Promise.all([
      readFile(p('ca.pem'), 'utf8'),
      readFile(p('server.key'), 'utf8'),
      readFile(p('server.pem'), 'utf8')
    ])
    return { caCertPem, serverKeyPem, serverCertPem }
  } finally {
    // Private keys never stay on disk; only the CA certificate is written again per emulator.
    await rm(dir, { recursive: true, force: true })
  }
}
