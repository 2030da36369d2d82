import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { describe, expect, test } from '@jest/globals'
import { CLOUDS, cloudOfHost, findCloud } from '../../src/net/clouds.ts'
import { getSettings } from '../../src/actions/create/inputs.ts'
import { buildTags } from '../../src/ade/tags.ts'
import { bypassesProxy } from '../../src/net/proxy-tunnel.ts'

const kekUrl = 'https://kv1.vault.azure.net/keys/kek/0123456789abcdef0123456789abcdef'

describe('buildTags', () => {
  test('windows: the secret name with .BEK, the algorithm and the versioned KEK, then the extras', () => {
    expect(buildTags({ osType: 'windows', secretName: 'ABC', algorithm: 'RSA-OAEP', kekUrl, extra: [['owner', 'me']] })).toEqual({
      DiskEncryptionKeyFileName: 'ABC.BEK',
      DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP',
      DiskEncryptionKeyEncryptionKeyURL: kekUrl,
      owner: 'me'
    })
  })

  test('windows with a .BEK file: the name inside the file', () => {
    expect(
      buildTags({ osType: 'windows', secretName: 'other', bekFileName: 'GUID.BEK', algorithm: 'RSA1_5', kekUrl, extra: [] })
        .DiskEncryptionKeyFileName
    ).toBe('GUID.BEK')
  })

  test('linux: always LinuxPassPhraseFileName', () => {
    expect(buildTags({ osType: 'linux', secretName: 'ABC', algorithm: 'RSA-OAEP-256', kekUrl, extra: [] })).toMatchObject({
      DiskEncryptionKeyFileName: 'LinuxPassPhraseFileName',
      DiskEncryptionKeyEncryptionAlgorithm: 'RSA-OAEP-256'
    })
  })
})

describe('clouds', () => {
  test.each([
    ['AzureCloud', 'https://login.microsoftonline.com', 'vault.azure.net', 'https://vault.azure.net/.default'],
    ['AzureChinaCloud', 'https://login.chinacloudapi.cn', 'vault.azure.cn', 'https://vault.azure.cn/.default'],
    ['AzureUSGovernment', 'https://login.microsoftonline.us', 'vault.usgovcloudapi.net', 'https://vault.usgovcloudapi.net/.default']
  ])('%s', (name, authority, suffix, scope) => {
    const cloud = findCloud(name.toLowerCase())
    expect(cloud).toMatchObject({ name, authorityHost: authority, vaultSuffix: suffix, vaultScope: scope })
    expect(cloudOfHost(`x.${suffix}`)).toEqual({ cloud, managedHsm: false })
    expect(cloudOfHost(`x.${cloud?.managedHsmSuffix}`)).toEqual({ cloud, managedHsm: true })
  })

  test('the scope is the vault suffix as a resource', () => {
    for (const cloud of Object.values(CLOUDS)) expect(cloud.vaultScope).toBe(`https://${cloud.vaultSuffix}/.default`)
  })

  test('unknown names and hosts', () => {
    expect(findCloud('AzureGermanCloud')).toBeUndefined()
    expect(cloudOfHost('vault.azure.net.example.com')).toBeUndefined()
  })
})

describe('action.yml', () => {
  const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
    name: string
    description: string
    branding: { icon: string; color: string }
    inputs: Record<string, { description?: string; required?: boolean; default?: string }>
    outputs: Record<string, { description?: string }>
    runs: { using: string; main: string }
  }

  test('is valid YAML for a node24 action with branding', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/post/index.js', 'post-if': 'always()' })
    expect(action.branding.icon).toBeTruthy()
    expect(action.description).toBeTruthy()
  })

  test('declares exactly the inputs the action reads, each described', () => {
    const read = new Set<string>()
    getSettings((name) => {
      read.add(name)
      return { 'key-vault': 'kv1', 'kek-name': 'k' }[name] ?? ''
    })
    expect(Object.keys(action.inputs).sort()).toEqual([...read].sort())
    for (const [name, input] of Object.entries(action.inputs)) {
      expect({ name, described: (input.description?.length ?? 0) > 20 }).toEqual({ name, described: true })
    }
  })

  test('declares the outputs, each described', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([
      'encryption-settings',
      'kek-url',
      'kek-vault-id',
      'key-output-file',
      'key-vault-id',
      'secret-name',
      'secret-url',
      'secret-version',
      'secrets'
    ])
    for (const [name, output] of Object.entries(action.outputs)) {
      expect({ name, described: (output.description?.length ?? 0) > 20 }).toEqual({ name, described: true })
    }
  })

  test('defaults are the ones the code applies when an input is empty', () => {
    const empty = getSettings((name) => ({ 'key-vault': 'kv1', 'kek-name': 'k' })[name] ?? '')
    const declared = getSettings((name) => ({ 'key-vault': 'kv1', 'kek-name': 'k' })[name] ?? action.inputs[name]?.default ?? '')
    expect({ ...declared, secretNames: [] }).toEqual({ ...empty, secretNames: [] })
  })
})

describe('NO_PROXY', () => {
  test.each([
    ['kv.vault.azure.net', 'kv.vault.azure.net', true],
    ['kv.vault.azure.net', '.vault.azure.net', true],
    ['kv.vault.azure.net', 'vault.azure.net', true],
    ['kv.vault.azure.net', 'azure.net', true],
    ['kv.vault.azure.net', 'KV.Vault.Azure.NET', true],
    ['kv.vault.azure.net', 'kv.vault.azure.net:443', true],
    ['kv.vault.azure.net', 'kv.vault.azure.net:8443', false],
    ['kv.vault.azure.net', 'ault.azure.net', false],
    ['vault.azure.net', '.vault.azure.net', true],
    ['kv.vault.azure.net', 'example.com, *', true],
    ['kv.vault.azure.net', 'example.com,.azure.cn', false],
    ['kv.vault.azure.net', '', false]
  ])('%s with NO_PROXY=%j bypasses: %s', (host, noProxy, expected) => {
    expect(bypassesProxy(host, noProxy)).toBe(expected)
  })
})
