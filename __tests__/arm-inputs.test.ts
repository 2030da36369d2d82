import { describe, expect, test } from '@jest/globals'
import { InputError, getSettings } from '../src/inputs.ts'

const SUB = 'AAAAAAAA-2222-3333-4444-555555555555'
const ID = `/subscriptions/${SUB}/resourceGroups/rg-Sec/providers/Microsoft.KeyVault/vaults/my-vault`
const base = { 'key-vault': 'my-vault', 'kek-name': 'disk-kek' }
const settings = (inputs: Record<string, string>) => getSettings((name) => ({ ...base, ...inputs })[name] ?? '', {})

function failure(inputs: Record<string, string>): InputError {
  try {
    settings(inputs)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

describe('ARM inputs', () => {
  test('neither subscription-id nor a resource ID: no ARM', () => {
    expect(settings({}).arm).toBeUndefined()
  })

  test('subscription-id must be a GUID', () => {
    expect(settings({ 'subscription-id': SUB }).arm).toEqual({ subscriptionId: SUB.toLowerCase() })
    expect(failure({ 'subscription-id': 'my-sub' })).toMatchObject({ input: 'subscription-id' })
  })

  test('key-vault as a resource ID, matched without regard to case', () => {
    const s = settings({ 'key-vault': ID.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/') })
    expect(s.vault).toEqual({ name: 'my-vault', url: 'https://my-vault.vault.azure.net' })
    expect(s.arm?.subscriptionId).toBe(SUB.toLowerCase())
    expect(s.arm?.vaultId?.toLowerCase()).toBe(ID.toLowerCase())
  })

  test('a resource ID of something else, or of another subscription than subscription-id, is refused', () => {
    expect(failure({ 'key-vault': `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x` })).toMatchObject(
      {
        input: 'key-vault'
      }
    )
    expect(failure({ 'key-vault': ID, 'subscription-id': '11111111-2222-3333-4444-555555555555' }).message).toMatch(
      /subscription-id.*key-vault is a vault in subscription aaaaaaaa-/
    )
  })

  test('location is a region name', () => {
    expect(settings({ location: 'West Europe' }).location).toBe('West Europe')
    expect(failure({ location: 'west/europe' })).toMatchObject({ input: 'location' })
  })
})
