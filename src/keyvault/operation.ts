/** What the action does in Key Vault; errors name it to say which permission is missing. */
/** `unwrapStored`: an unwrap of a BEK already in the vault (the rewrap's first step), not the verify of a new wrap. */
export type VaultOperation =
  | 'getKey'
  | 'createKey'
  | 'wrapKey'
  | 'unwrapKey'
  | 'unwrapStored'
  | 'getSecret'
  | 'setSecret'
  | 'listSecrets'
  | 'listSecretVersions'
  | 'listKeyVersions'
  | 'restoreKey'
  | 'restoreSecret'
  | 'recoverKey'
  | 'recoverSecret'
