/**
 * Turns what went wrong into what to do about it: every failure names the missing
 * permission, role, setting or input.
 */
import type { RestError } from '@azure/core-rest-pipeline'
import { ActionableError } from './actionable-error.ts'
import { type OidcClaims, formatAudience } from '../auth/github-oidc.ts'
import { untrusted } from './untrusted.ts'
import { VaultError } from '../keyvault/error.ts'
import type { VaultOperation } from '../keyvault/operation.ts'

export interface ErrorContext {
  readonly clientId?: string
  readonly tenantId?: string
  readonly oidcClaims?: OidcClaims
  /** Entra ID's host for this cloud (login.microsoftonline.com). */
  readonly authorityHost?: string
}

interface Grant {
  readonly doing: string
  readonly role: string
  readonly accessPolicy: string
}

/** What each operation needs, under RBAC and under access policies. */
const GRANTS: Readonly<Record<VaultOperation, Grant>> = {
  getKey: { doing: 'read the KEK', role: 'Key Vault Crypto Service Encryption User', accessPolicy: 'keys: get' },
  createKey: { doing: 'create the target KEK (create-kek)', role: 'Key Vault Crypto Officer', accessPolicy: 'keys: create' },
  wrapKey: { doing: 'wrap the key with the KEK', role: 'Key Vault Crypto Service Encryption User', accessPolicy: 'keys: wrapKey' },
  unwrapKey: {
    doing: 'unwrap the stored value (verify)',
    role: 'Key Vault Crypto Service Encryption User',
    accessPolicy: 'keys: unwrapKey'
  },
  unwrapStored: {
    doing: 'unwrap the BEK with the KEK version its tag names',
    role: 'Key Vault Crypto Service Encryption User',
    accessPolicy: 'keys: unwrapKey'
  },
  getSecret: { doing: 'read the secret', role: 'Key Vault Secrets Officer', accessPolicy: 'secrets: get' },
  setSecret: { doing: 'store the secret', role: 'Key Vault Secrets Officer', accessPolicy: 'secrets: set' },
  listSecrets: { doing: 'list the secrets', role: 'Key Vault Secrets User', accessPolicy: 'secrets: list' },
  listSecretVersions: { doing: "list a secret's versions", role: 'Key Vault Secrets User', accessPolicy: 'secrets: list' },
  listKeyVersions: { doing: "list a key's versions", role: 'Key Vault Crypto Service Encryption User', accessPolicy: 'keys: list' },
  restoreKey: { doing: 'restore the KEK from its backup', role: 'Key Vault Crypto Officer', accessPolicy: 'keys: restore' },
  restoreSecret: { doing: 'restore the secret from its backup', role: 'Key Vault Secrets Officer', accessPolicy: 'secrets: restore' },
  recoverKey: { doing: 'recover the soft-deleted KEK', role: 'Key Vault Crypto Officer', accessPolicy: 'keys: recover' },
  recoverSecret: { doing: 'recover the soft-deleted secret', role: 'Key Vault Secrets Officer', accessPolicy: 'secrets: recover' }
}

const SUBJECT_FORMATS =
  'repo:<owner>/<repo>:ref:refs/heads/<branch>, repo:<owner>/<repo>:environment:<environment> (jobs with `environment:`), ' +
  'repo:<owner>/<repo>:pull_request, repo:<owner>/<repo>:ref:refs/tags/<tag>'

export function describeError(error: unknown, context: ErrorContext): string {
  if (error instanceof ActionableError) return error.message
  if (error instanceof VaultError) return describeVaultError(error)
  const message = error instanceof Error ? error.message : String(error)
  const aadsts = /AADSTS(\d+)/.exec(message)?.[1]
  if (aadsts) return describeSignInError(aadsts, message, context)
  if (error instanceof Error && NO_CREDENTIAL.has(error.name)) return describeNoCredential(error)
  // MSAL's name for a token answer it could not read (not JSON, no token, an error page) as well as a failed connection.
  if (/^network_error\b/.test(message)) {
    return (
      `Entra ID's token endpoint${context.authorityHost ? ` ${untrusted(context.authorityHost)}` : ''} gave no usable answer to the sign-in (MSAL network_error: ` +
      "an answer that is not a token response, or a broken connection). Check the runner's network and proxy settings (HTTPS_PROXY/NO_PROXY) and the Azure status page, then re-run."
    )
  }
  if (isRestError(error) && error.code && /^E[A-Z]+$/.test(error.code)) {
    const host = safeHost(error.request?.url)
    return `Could not reach ${untrusted(host ?? 'Azure')} (${error.code}) after retries. Check the vault name, the runner's network and proxy settings (HTTPS_PROXY/NO_PROXY) and the vault's firewall.`
  }
  return untrusted(message, 1000)
}

/**
 * By name, as the SDK's own isRestError also accepts: describing an input error must not load
 * the SDK's pipeline, which the start-up leaves for after the first connections (main.ts).
 */
function isRestError(error: unknown): error is RestError {
  return error instanceof Error && error.name === 'RestError'
}

/**
 * The names of @azure/identity's errors for "no credential here". By name, not instanceof:
 * @azure/identity is loaded only once a run asks for a token (credential.ts).
 */
const NO_CREDENTIAL = new Set(['AggregateAuthenticationError', 'CredentialUnavailableError'])

/** The chain found no credential: what to do first, then each credential's own reason. */
function describeNoCredential(error: Error): string {
  const causes: unknown[] = (error as Error & { errors?: unknown[] }).errors ?? [error]
  const reasons = causes.map((cause) => {
    const text = cause instanceof Error ? cause.message : String(cause)
    return `- ${untrusted(firstLine(text).replace(/\s*To troubleshoot, visit \S+$/, ''))}`
  })
  return (
    "Set client-id and tenant-id to sign in with the job's OIDC token, or run azure/login before this step: " +
    `no Azure credential is available.\n${reasons.join('\n')}`
  )
}

function describeSignInError(code: string, message: string, { clientId, tenantId, oidcClaims }: ErrorContext): string {
  const detail = untrusted(firstLine(message.slice(message.indexOf(`AADSTS${code}`))))
  switch (code) {
    case '700213':
    case '70021':
    case '7002138': {
      const claims = oidcClaims
        ? `The token has issuer '${untrusted(oidcClaims.iss)}', subject '${untrusted(oidcClaims.sub)}', audience '${untrusted(formatAudience(oidcClaims.aud))}'. Add a federated credential with exactly these values`
        : 'Add a federated credential with the issuer, subject and audience of the token'
      return (
        `Entra ID has no federated credential on app ${untrusted(clientId ?? process.env.AZURE_CLIENT_ID)} that matches the presented token (${detail}). ` +
        `${claims} (the subject is case-sensitive). Subject formats for GitHub: ${SUBJECT_FORMATS}.`
      )
    }
    case '700016':
      return `Entra ID knows no application '${untrusted(clientId ?? process.env.AZURE_CLIENT_ID)}' in tenant '${untrusted(tenantId ?? process.env.AZURE_TENANT_ID)}' (${detail}). Check client-id, tenant-id and environment.`
    case '90002':
      return `Entra ID knows no tenant '${untrusted(tenantId ?? process.env.AZURE_TENANT_ID)}' (${detail}). Check tenant-id and environment.`
    case '700024':
      return `Entra ID found the OIDC token expired or not yet valid (${detail}). Check the runner's clock, then re-run.`
    default:
      return `Sign-in to Entra ID failed: ${detail}`
  }
}

function describeVaultError(error: VaultError): string {
  const grant = GRANTS[error.operation]
  const vault = untrusted(safeHost(error.url) ?? error.url)
  const said = vaultSaid(error)
  if (error.status >= 300 && error.status < 400) {
    const to = error.location ? ` to ${untrusted(error.location, 300)}` : ''
    return (
      `Key Vault answered the request to ${grant.doing} in ${vault} with a redirect (HTTP ${error.status}${to}), which this action does not follow: ` +
      "Key Vault never redirects, so a proxy or gateway between the runner and the vault does. Check HTTPS_PROXY/NO_PROXY and the runner's network, then re-run."
    )
  }
  if (error.status === 401) {
    return `${vault} refused the access token while trying to ${grant.doing}. ${said}. Check that environment matches the vault's cloud and that tenant-id is the vault's tenant.`
  }
  if (error.status === 403) {
    if (error.innerCode === 'ForbiddenByFirewall') {
      return `The firewall of ${vault} blocks this runner. ${said}. Allow the runner's address in the vault's networking settings, or run on a self-hosted runner inside an allowed network.`
    }
    if (error.innerCode === 'ForbiddenByPolicy') {
      return `An Azure Policy assignment denied the request to ${grant.doing} in ${vault}. ${said}. Ask the policy's owner for an exemption for this vault; note that ADE does not support DENY-mode secret-expiration policies.`
    }
    const keyOperation = error.operation === 'getKey' || error.operation === 'wrapKey' || error.operation.startsWith('unwrap')
    if (keyOperation && /not (?:permitted|allowed) on|disabled|expired|not valid/i.test(error.message)) {
      return `Key Vault refused to ${grant.doing} because of the key's own settings. ${said}. Check the KEK is enabled, within its activation and expiry dates, and allows the operation (key_ops).`
    }
    return (
      `The identity may not ${grant.doing} in ${vault}. Grant it the RBAC role '${grant.role}' on the vault, ` +
      `or, for a vault using access policies, the permission '${grant.accessPolicy}'. Role assignments can take a few minutes to apply. ${said}`
    )
  }
  if (error.innerCode === 'ObjectIsDeletedButRecoverable') {
    return `${said}. Recover the deleted secret (az keyvault secret recover) or purge it (az keyvault secret purge), or choose another secret-name.`
  }
  if (error.code === 'KeyNotFound') {
    return `The KEK was not found: ${untrusted(error.url)
      .replace(/\/(?:wrapkey|unwrapkey)$/i, '')
      .replace(/\/$/, '')}. Check kek-name, kek-version or kek-url. ${said}`
  }
  if (error.status === 429) {
    return `Key Vault kept throttling requests to ${grant.doing}, even after waiting as it asked. Lower max-parallel or run fewer jobs against ${vault} at once. ${said}`
  }
  if (error.status >= 500) {
    return `Key Vault failed to ${grant.doing} (HTTP ${error.status}) after retries; re-run the job. ${said}${error.requestId ? ` (request ${untrusted(error.requestId, 100)})` : ''}`
  }
  return `Could not ${grant.doing} in ${vault} (HTTP ${error.status}). ${said}`
}

/** The error body's code and message, as far as it gave them. */
function vaultSaid(error: VaultError): string {
  const code = [error.code, error.innerCode].filter(Boolean).map((part) => untrusted(part, 100))
  const reason = untrusted(firstLine(error.reason), 300)
  const parts = [code.join('/'), reason].filter(Boolean)
  return parts.length ? `Key Vault said: ${parts.join(': ')}` : 'Key Vault gave no reason'
}

function safeHost(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).host : undefined
  } catch {
    return undefined
  }
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').trim()
}
