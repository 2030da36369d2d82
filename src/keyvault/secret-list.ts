/**
 * Lists secrets and secret versions through every page (`nextLink`), checking that each
 * answer stays inside key-vault: a nextLink or an id that points elsewhere is refused, since
 * later requests and the outputs are built from them.
 */
import { ActionableError } from '../runner/actionable-error.ts'
import { untrusted } from '../runner/untrusted.ts'
import { type VaultClient, type VaultOperation, normaliseId } from './client.ts'

export interface SecretItem {
  /** Normalised: lower-case host, no port. Versioned for version lists. */
  readonly id: string
  readonly name: string
  readonly version?: string
  readonly contentType?: string
  readonly tags: Readonly<Record<string, string>>
  readonly enabled: boolean
  readonly created?: number
}

interface RawItem {
  id?: unknown
  contentType?: unknown
  tags?: unknown
  attributes?: { enabled?: unknown; created?: unknown }
}

/**
 * Key Vault answers a list 25 items a page, so this bounds a list at 100,000 entries: far more
 * secrets (or versions of one) than a vault of disk keys holds, and reached in seconds, not the
 * minutes and hundreds of MB that following a list that never ends would take.
 */
const MAX_PAGES = 4000
const PAGE_SIZE = 25
const ID_PATTERN = /^\/secrets\/([0-9a-zA-Z-]{1,127})(?:\/([0-9a-f]{32}))?$/i

/** The latest version of every secret in the vault. */
export function listSecrets(vault: VaultClient, vaultUrl: string): Promise<SecretItem[]> {
  return listAll(vault, vaultUrl, '/secrets', 'listSecrets', (item) => item.version === undefined)
}

/** Every version of one secret, disabled ones included. */
export function listSecretVersions(vault: VaultClient, vaultUrl: string, name: string): Promise<SecretItem[]> {
  return listAll(
    vault,
    vaultUrl,
    `/secrets/${name}/versions`,
    'listSecretVersions',
    (item) => item.version !== undefined && item.name.toLowerCase() === name.toLowerCase()
  )
}

async function listAll(
  vault: VaultClient,
  vaultUrl: string,
  path: string,
  operation: VaultOperation,
  belongs: (item: SecretItem) => boolean
): Promise<SecretItem[]> {
  const items: SecretItem[] = []
  const seen = new Set<string>()
  let url: string | undefined = `${vaultUrl}${path}`
  while (url) {
    if (seen.has(url)) {
      throw new ActionableError(`Key Vault kept answering the list ${vaultUrl}${path} with pages already read; re-run the job.`)
    }
    if (seen.size >= MAX_PAGES) {
      throw new ActionableError(
        `Key Vault kept answering the list ${vaultUrl}${path} with more pages after ${MAX_PAGES} (${items.length} entries; up to ${MAX_PAGES * PAGE_SIZE} are read), ` +
          "each with a new nextLink; this action stops there. Something between the runner and the vault may be answering in the vault's place: " +
          "check HTTPS_PROXY/NO_PROXY and the runner's network, then re-run. If the vault really holds more, split its BEKs across vaults."
      )
    }
    seen.add(url)
    const page: { value?: unknown; nextLink?: unknown } = await vault.json({ operation, method: 'GET', url })
    if (!Array.isArray(page.value)) throw new ActionableError(`Key Vault answered the list ${vaultUrl}${path} without a value array.`)
    for (const raw of page.value as RawItem[]) {
      const item = secretItem(raw, vaultUrl)
      if (!item || !belongs(item)) {
        throw new ActionableError(
          `Key Vault answered the list ${vaultUrl}${path} with the id '${untrusted(raw?.id)}', which is not one of its entries; refusing to use it.`
        )
      }
      items.push(item)
    }
    url = page.nextLink ? checkedNextLink(page.nextLink, vaultUrl, path) : undefined
  }
  return items
}

function secretItem(raw: RawItem, vaultUrl: string): SecretItem | undefined {
  if (typeof raw?.id !== 'string') return undefined
  let id: string
  try {
    id = normaliseId(raw.id)
  } catch {
    return undefined
  }
  if (!id.toLowerCase().startsWith(`${vaultUrl}/`)) return undefined
  const match = ID_PATTERN.exec(id.slice(vaultUrl.length))
  if (!match) return undefined
  const tags = raw.tags && typeof raw.tags === 'object' ? (raw.tags as Record<string, unknown>) : {}
  return {
    id,
    name: match[1],
    version: match[2]?.toLowerCase(),
    contentType: typeof raw.contentType === 'string' ? raw.contentType : undefined,
    tags: Object.fromEntries(Object.entries(tags).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
    enabled: raw.attributes?.enabled !== false,
    created: typeof raw.attributes?.created === 'number' ? raw.attributes.created : undefined
  }
}

/** The nextLink, if it continues the same list of the same vault. */
function checkedNextLink(link: unknown, vaultUrl: string, path: string): string {
  let url: URL | undefined
  try {
    url = typeof link === 'string' ? new URL(link) : undefined
  } catch {
    url = undefined
  }
  const origin = url && `https://${url.hostname.toLowerCase()}`
  if (
    !url ||
    url.protocol !== 'https:' ||
    (url.port && url.port !== '443') ||
    origin !== vaultUrl ||
    url.pathname.replace(/\/$/, '').toLowerCase() !== path.toLowerCase()
  ) {
    throw new ActionableError(
      `Key Vault answered the list ${vaultUrl}${path} with a nextLink '${untrusted(link)}' that leaves it; refusing to follow it.`
    )
  }
  return url.href
}
