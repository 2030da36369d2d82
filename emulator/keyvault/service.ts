// The Key Vault data-plane stand-in: request pipeline in the order the real service applies it
// (api-version, authentication challenge, firewall, authorization, throttling, operation).
import type { HostService, ServiceRequest, ServiceResponse } from '../http-types.ts'
import type { SigningKey } from '../jwt.ts'
import { checkApiVersion } from './api-version.ts'
import { authenticate } from './auth.ts'
import { CLIENT_ADDRESS, badParameter, kvError } from './errors.ts'
import * as backup from './backup.ts'
import * as deletedKeys from './deleted-keys.ts'
import * as keys from './keys.ts'
import { authorize, type Operation } from './permissions.ts'
import { matchRoute } from './routes.ts'
import * as secrets from './secrets.ts'
import { VaultThrottle, rsaWeight, type ThrottleBucket, type ThrottleLimits } from './throttle.ts'
import { isHsm, isRsa, type Vault } from './vault-store.ts'

export interface KeyVaultServiceOptions {
  entraKey: SigningKey
  lookupVault(hostname: string): Vault | undefined
  throttling: boolean
  throttleLimits?: Partial<ThrottleLimits>
}

const KEY_CRYPTO: Operation[] = ['wrapKey', 'unwrapKey', 'encrypt', 'decrypt']

export class KeyVaultService implements HostService {
  readonly name = 'keyvault'
  private readonly opts: KeyVaultServiceOptions
  private readonly throttle: VaultThrottle

  constructor(opts: KeyVaultServiceOptions) {
    this.opts = opts
    this.throttle = new VaultThrottle(opts.throttleLimits)
  }

  handles(hostname: string): boolean {
    return this.opts.lookupVault(hostname) !== undefined
  }

  async handle(req: ServiceRequest): Promise<ServiceResponse> {
    const vault = this.opts.lookupVault(req.hostname)!
    const route = matchRoute(req.method, req.path)
    const operation = route?.op
    const tag = (r: ServiceResponse, authenticated: boolean): ServiceResponse => ({
      ...r,
      authenticated,
      ...(operation ? { operation } : {})
    })

    const versionError = checkApiVersion(req.query.get('api-version'))
    if (versionError) return tag(versionError, false)
    const auth = authenticate(req, vault, this.opts.entraKey)
    if ('response' in auth) return tag(auth.response, false)
    const { caller } = auth

    if (vault.firewall.denyPublic) {
      return tag(
        kvError(
          403,
          'Forbidden',
          `Client address is not authorized and caller is not a trusted service.\r\nClient address: ${CLIENT_ADDRESS}\r\n` +
            `Caller: appid=${caller.appId};oid=${caller.objectId};iss=${caller.issuer}\r\nVault: ${vault.name};location=${vault.location}`,
          'ForbiddenByFirewall'
        ),
        true
      )
    }
    if (!route) {
      return tag(
        kvError(404, 'NotFound', `The requested operation ${req.method} ${req.path} is not supported by this Key Vault stand-in.`),
        true
      )
    }
    const objectPath = route.name ? `${route.op.toLowerCase().includes('secret') ? 'secrets' : 'keys'}/${route.name.toLowerCase()}` : ''
    const denied = authorize(vault, caller, route.op, objectPath)
    if (denied) return tag(denied, true)

    if (this.opts.throttling) {
      const retryAfter = this.throttle.take(vault.name, ...this.bucketFor(vault, route.op, route.name, route.version))
      if (retryAfter !== undefined) {
        return tag(
          kvError(
            429,
            'Throttled',
            'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
            undefined,
            {
              'retry-after': String(retryAfter)
            }
          ),
          true
        )
      }
    }

    let body: Record<string, unknown> = {}
    if (req.body.length > 0) {
      try {
        const parsed = JSON.parse(req.body.toString('utf8')) as unknown
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
        body = parsed as Record<string, unknown>
      } catch {
        return tag(badParameter('The request body is not valid JSON.'), true)
      }
    } else if (['setSecret', 'createKey', 'importKey', 'restoreKey', 'restoreSecret', ...KEY_CRYPTO].includes(route.op)) {
      return tag(badParameter('The request body is required for this operation.'), true)
    }
    const ctx = { vault, name: route.name ?? '', ...(route.version ? { version: route.version } : {}), body, query: req.query }
    return tag(await this.execute(route.op, ctx, route.basePath), true)
  }

  private bucketFor(vault: Vault, op: Operation, name?: string, version?: string): [ThrottleBucket, number] {
    if (op === 'setSecret') return ['secretWrite', 1]
    if (KEY_CRYPTO.includes(op) && name) {
      const found = keys.findKey(vault, name, version)
      if (found && isRsa(found.kv.kty)) return ['rsaOp', rsaWeight(found.kv.keySize ?? 2048, isHsm(found.kv.kty))]
    }
    return ['other', 1]
  }

  private async execute(op: Operation, ctx: keys.KeyContext, basePath: string): Promise<ServiceResponse> {
    switch (op) {
      case 'getKey':
        return keys.getKey(ctx)
      case 'listKeys':
        return keys.listKeys(ctx, basePath)
      case 'listKeyVersions':
        return keys.listKeyVersions(ctx, basePath)
      case 'createKey':
        return deletedKeys.deletedKeyConflict(ctx.vault, ctx.name) ?? keys.createKey(ctx)
      case 'importKey':
        return deletedKeys.deletedKeyConflict(ctx.vault, ctx.name) ?? keys.importKey(ctx)
      case 'rotateKey':
        return keys.rotateKey(ctx)
      case 'updateKey':
        return keys.updateKey(ctx)
      case 'wrapKey':
      case 'unwrapKey':
      case 'encrypt':
      case 'decrypt':
        return keys.cryptoOp(ctx, op)
      case 'setSecret':
        return secrets.setSecret(ctx)
      case 'getSecret':
        return secrets.getSecret(ctx)
      case 'updateSecret':
        return secrets.updateSecret(ctx)
      case 'listSecrets':
        return secrets.listSecrets(ctx, basePath)
      case 'listSecretVersions':
        return secrets.listSecretVersions(ctx, basePath)
      case 'deleteSecret':
        return secrets.deleteSecret(ctx)
      case 'getDeletedSecret':
        return secrets.getDeletedSecret(ctx)
      case 'listDeletedSecrets':
        return secrets.listDeletedSecrets(ctx, basePath)
      case 'recoverSecret':
        return secrets.recoverSecret(ctx)
      case 'purgeSecret':
        return secrets.purgeSecret(ctx)
      case 'deleteKey':
        return deletedKeys.deleteKey(ctx)
      case 'getDeletedKey':
        return deletedKeys.getDeletedKey(ctx)
      case 'recoverKey':
        return deletedKeys.recoverKey(ctx)
      case 'purgeKey':
        return deletedKeys.purgeKey(ctx)
      case 'backupKey':
        return backup.backupKey(ctx)
      case 'restoreKey':
        return backup.restoreKey(ctx)
      case 'backupSecret':
        return backup.backupSecret(ctx)
      case 'restoreSecret':
        return backup.restoreSecret(ctx)
    }
  }
}
