/** What the action does in Key Vault; errors name it to say which permission is missing. */
export type VaultOperation =
  | 'getKey'
  | 'wrapKey'
  | 'unwrapKey'
  | 'getSecret'
  | 'setSecret'
  | 'listSecrets'
  | 'listSecretVersions'
  | 'restoreKey'
  | 'restoreSecret'
  | 'recoverKey'
  | 'recoverSecret'
