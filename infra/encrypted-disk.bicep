// A managed disk imported from a pre-encrypted VHD, with the encryption settings Azure Disk
// Encryption reads at boot: the template the examples deploy (examples/deploy-encrypted-disk.yml,
// encrypted-linux-image.yml, fleet-matrix.yml, rewrap-after-rotation.yml).
//
// Give either encryptionSettings (the action's encryption-settings output, with subscription-id:
// it names both vaults by resource ID, so they may be in any resource group), or its parts.

@description('The action\'s encryption-settings output: one element of encryptionSettingsCollection.encryptionSettings.')
param encryptionSettings object = {}

@description('Without encryptionSettings: the BEK secret\'s versioned URL (secret-url).')
param secretUrl string = ''

@description('Without encryptionSettings: the KEK version\'s URL (kek-url).')
param kekUrl string = ''

@description('Without encryptionSettings: the resource ID of the secret\'s vault (key-vault-id).')
param keyVaultId string = ''

@description('Without encryptionSettings: the resource ID of the KEK\'s vault (kek-vault-id); default keyVaultId.')
param kekVaultId string = keyVaultId

param diskName string = 'vm-web-01-os'
param location string = resourceGroup().location

@allowed([
  'Linux'
  'Windows'
])
param osType string = 'Linux'

@description('The uploaded fixed-size VHD (a page blob).')
param vhdUri string

@description('The resource ID of the storage account that holds the VHD.')
param storageAccountId string

var settings = empty(encryptionSettings) ? {
  diskEncryptionKey: {
    secretUrl: secretUrl
    sourceVault: {
      id: keyVaultId
    }
  }
  keyEncryptionKey: {
    keyUrl: kekUrl
    sourceVault: {
      id: kekVaultId
    }
  }
} : encryptionSettings

resource osDisk 'Microsoft.Compute/disks@2023-10-02' = {
  name: diskName
  location: location
  sku: {
    name: 'Premium_LRS'
  }
  properties: {
    osType: osType
    creationData: {
      createOption: 'Import'
      sourceUri: vhdUri
      storageAccountId: storageAccountId
    }
    encryptionSettingsCollection: {
      enabled: true
      encryptionSettingsVersion: '1.1'
      encryptionSettings: [
        settings
      ]
    }
  }
}

output diskId string = osDisk.id
