// Local stand-ins for the Azure/GitHub endpoints the action talks to, reachable only through a
// CONNECT proxy under their real host names, with TLS from a throw-away test CA.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Arm } from './arm.ts'
import { getTestPki } from './ca.ts'
import { AUTHORITY_HOSTS } from './clouds.ts'
import { Entra, type FederatedCredential, type RegisterAppOptions } from './entra.ts'
import { Faults, type FaultRule } from './faults.ts'
import { GitHubOidc } from './github-oidc.ts'
import { startFrontEnd } from './https-server.ts'
import { createSigningKey } from './jwt.ts'
import { KeyVaultAdmin } from './keyvault/admin.ts'
import { KeyVaultService } from './keyvault/service.ts'
import type { ThrottleLimits } from './keyvault/throttle.ts'
import { startProxy } from './proxy.ts'
import { TrafficLog, type ConnectLogEntry, type RequestLogEntry } from './request-log.ts'

export type { FaultRule } from './faults.ts'
export type { FederatedCredential } from './entra.ts'
export type { RequestLogEntry, ConnectLogEntry } from './request-log.ts'
export type { CreateKeyOptions, CreateVaultOptions, RoleName } from './keyvault/admin.ts'
export type { CloudName } from './clouds.ts'

export interface LocalAzureOptions {
  /** Added before every response (models a far-away vault). */
  latencyMs?: number
  /** Added before the proxy answers a CONNECT (models TCP+TLS set-up cost). */
  connectLatencyMs?: number
  /** Enforce Key Vault's per-vault service limits. Default false. */
  throttling?: boolean
  /** Override the service limits (e.g. a tiny window in tests). */
  throttleLimits?: Partial<ThrottleLimits>
}

export interface LocalAzure {
  caPath: string
  proxyUrl: string
  /** Port of the HTTPS front end (for `curl --resolve` style direct access). */
  httpsPort: number
  env(): Record<string, string>
  github: GitHubOidc
  entra: Entra & {
    registerApp(options: RegisterAppOptions & { federatedCredentials?: FederatedCredential[] }): {
      clientId: string
      objectId: string
      tenantId: string
    }
  }
  keyVault: KeyVaultAdmin
  arm: Arm
  faults: { add(rule: FaultRule): void; clear(): void; readonly pending: number }
  requests: RequestLogEntry[]
  connects: ConnectLogEntry[]
  clearLogs(): void
  close(): Promise<void>
}

export async function startLocalAzure(options: LocalAzureOptions = {}): Promise<LocalAzure> {
  const [pki, githubKey, entraKey, dir] = await Promise.all([
    getTestPki(),
    createSigningKey(),
    createSigningKey(),
    mkdtemp(join(tmpdir(), 'local-azure-'))
  ])
  const caPath = join(dir, 'test-ca.pem')
  await writeFile(caPath, pki.caCertPem)

  const log = new TrafficLog()
  const faults = new Faults()
  const github = new GitHubOidc(githubKey)
  const entra = new Entra(entraKey)
  entra.trustIssuer(github.issuer, githubKey)
  const keyVault = new KeyVaultAdmin(() => entra.tenantId)
  const arm = new Arm(entraKey, () => keyVault.allVaults())
  const kvService = new KeyVaultService({
    entraKey,
    lookupVault: (host) => keyVault.lookupByHost(host),
    throttling: options.throttling ?? false,
    ...(options.throttleLimits ? { throttleLimits: options.throttleLimits } : {})
  })

  const frontEnd = await startFrontEnd({
    keyPem: pki.serverKeyPem,
    certPem: pki.serverCertPem,
    services: [kvService, entra, github, arm],
    faults,
    log,
    latencyMs: options.latencyMs ?? 0
  })
  const isKnownHost = (host: string) =>
    AUTHORITY_HOSTS.includes(host) || github.handles(host) || arm.handles(host) || keyVault.lookupByHost(host) !== undefined
  const proxy = await startProxy({ upstreamPort: frontEnd.port, isKnownHost, log, connectLatencyMs: options.connectLatencyMs ?? 0 })

  let closed = false
  return {
    caPath,
    proxyUrl: proxy.url,
    httpsPort: frontEnd.port,
    env: () => ({
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: proxy.url,
      // Empty on purpose: every call of the product must go through the proxy.
      NO_PROXY: '',
      NODE_EXTRA_CA_CERTS: caPath,
      REQUESTS_CA_BUNDLE: caPath,
      SSL_CERT_FILE: caPath,
      ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken
    }),
    github,
    entra,
    keyVault,
    arm,
    faults,
    requests: log.requests,
    connects: log.connects,
    clearLogs: () => log.clear(),
    close: async () => {
      if (closed) return
      closed = true
      await proxy.close()
      await frontEnd.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
