// Maps a Key Vault request path to an operation. Key Vault is lenient about case, trailing
// slashes and empty version segments (`/keys/k//wrapkey`), and so is this matcher.
import type { Operation } from './permissions.ts'

export interface Route {
  op: Operation
  name?: string
  version?: string
  /** Normalised path used to build nextLinks. */
  basePath: string
}

const CRYPTO: Record<string, Operation> = { wrapkey: 'wrapKey', unwrapkey: 'unwrapKey', encrypt: 'encrypt', decrypt: 'decrypt' }

export function matchRoute(method: string, rawPath: string): Route | undefined {
  const seg = rawPath
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s))
  const lower = seg.map((s) => s.toLowerCase())
  const [collection, name, third, fourth] = lower
  const origName = seg[1]
  const base = '/' + seg.join('/')
  if (collection === 'keys') {
    if (seg.length === 1) return method === 'GET' ? { op: 'listKeys', basePath: '/keys' } : undefined
    if (method === 'GET' && seg.length === 2) return { op: 'getKey', name: origName!, basePath: base }
    if (method === 'GET' && seg.length === 3 && third === 'versions')
      return { op: 'listKeyVersions', name: origName!, basePath: `/keys/${origName}/versions` }
    if (method === 'GET' && seg.length === 3) return { op: 'getKey', name: origName!, version: seg[2]!, basePath: base }
    if (method === 'POST' && seg.length === 2 && name === 'restore') return { op: 'restoreKey', basePath: base }
    if (method === 'POST' && seg.length === 3 && third === 'backup') return { op: 'backupKey', name: origName!, basePath: base }
    if (method === 'DELETE' && seg.length === 2) return { op: 'deleteKey', name: origName!, basePath: base }
    if (method === 'POST' && seg.length === 3 && third === 'create') return { op: 'createKey', name: origName!, basePath: base }
    if (method === 'PUT' && seg.length === 2) return { op: 'importKey', name: origName!, basePath: base }
    if (method === 'POST' && seg.length === 3 && third === 'rotate') return { op: 'rotateKey', name: origName!, basePath: base }
    if (method === 'PATCH' && (seg.length === 2 || seg.length === 3)) {
      return { op: 'updateKey', name: origName!, ...(seg[2] ? { version: seg[2] } : {}), basePath: base }
    }
    if (method === 'POST' && seg.length === 3 && CRYPTO[third!]) return { op: CRYPTO[third!]!, name: origName!, basePath: base }
    if (method === 'POST' && seg.length === 4 && CRYPTO[fourth!])
      return { op: CRYPTO[fourth!]!, name: origName!, version: seg[2]!, basePath: base }
    return undefined
  }
  if (collection === 'secrets') {
    if (seg.length === 1) return method === 'GET' ? { op: 'listSecrets', basePath: '/secrets' } : undefined
    if (method === 'POST' && seg.length === 2 && name === 'restore') return { op: 'restoreSecret', basePath: base }
    if (method === 'POST' && seg.length === 3 && third === 'backup') return { op: 'backupSecret', name: origName!, basePath: base }
    if (method === 'PUT' && seg.length === 2) return { op: 'setSecret', name: origName!, basePath: base }
    if (method === 'DELETE' && seg.length === 2) return { op: 'deleteSecret', name: origName!, basePath: base }
    if (method === 'GET' && seg.length === 2) return { op: 'getSecret', name: origName!, basePath: base }
    if (method === 'GET' && seg.length === 3 && third === 'versions')
      return { op: 'listSecretVersions', name: origName!, basePath: `/secrets/${origName}/versions` }
    if (method === 'GET' && seg.length === 3) return { op: 'getSecret', name: origName!, version: seg[2]!, basePath: base }
    if (method === 'PATCH' && (seg.length === 3 || seg.length === 2)) {
      return { op: 'updateSecret', name: origName!, ...(seg[2] ? { version: seg[2] } : {}), basePath: base }
    }
    return undefined
  }
  if (collection === 'deletedsecrets') {
    if (seg.length === 1) return method === 'GET' ? { op: 'listDeletedSecrets', basePath: '/deletedsecrets' } : undefined
    if (method === 'GET' && seg.length === 2) return { op: 'getDeletedSecret', name: origName!, basePath: base }
    if (method === 'DELETE' && seg.length === 2) return { op: 'purgeSecret', name: origName!, basePath: base }
    if (method === 'POST' && seg.length === 3 && third === 'recover') return { op: 'recoverSecret', name: origName!, basePath: base }
    return undefined
  }
  if (collection === 'deletedkeys') {
    if (method === 'GET' && seg.length === 2) return { op: 'getDeletedKey', name: origName!, basePath: base }
    if (method === 'DELETE' && seg.length === 2) return { op: 'purgeKey', name: origName!, basePath: base }
    if (method === 'POST' && seg.length === 3 && third === 'recover') return { op: 'recoverKey', name: origName!, basePath: base }
    return undefined
  }
  return undefined
}
