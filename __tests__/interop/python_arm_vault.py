"""Reads a Key Vault vault resource with the Azure SDK for Python's azure-mgmt-keyvault.

Run with Debian's /usr/bin/python3 (python3-azure). Signs in like a GitHub workflow would (the
runner's OIDC token into ClientAssertionCredential), through HTTPS_PROXY, trusting
REQUESTS_CA_BUNDLE. Env: TENANT_ID, CLIENT_ID, SUBSCRIPTION_ID, RESOURCE_GROUP, VAULT_NAME.
Prints one JSON line; exit status 0 on success, 1 with {"ok": false, "error": ...}.
"""
import json
import os
import sys


def github_oidc_token():
    import requests

    url = os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"]
    sep = "&" if "?" in url else "?"
    response = requests.get(
        f"{url}{sep}audience=api://AzureADTokenExchange",
        headers={"Authorization": "Bearer " + os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["value"]


def main():
    from azure.mgmt.keyvault._version import VERSION
    from azure.identity import ClientAssertionCredential
    from azure.mgmt.keyvault import KeyVaultManagementClient

    credential = ClientAssertionCredential(os.environ["TENANT_ID"], os.environ["CLIENT_ID"], github_oidc_token)
    client = KeyVaultManagementClient(credential, os.environ["SUBSCRIPTION_ID"])
    vault = client.vaults.get(os.environ["RESOURCE_GROUP"], os.environ["VAULT_NAME"])
    p = vault.properties
    print(
        json.dumps(
            {
                "ok": True,
                "version": VERSION,
                "id": vault.id,
                "name": vault.name,
                "location": vault.location,
                "vaultUri": p.vault_uri,
                "enabledForDiskEncryption": p.enabled_for_disk_encryption,
                "enableSoftDelete": p.enable_soft_delete,
                "enablePurgeProtection": p.enable_purge_protection,
                "enableRbacAuthorization": p.enable_rbac_authorization,
                "publicNetworkAccess": p.public_network_access,
                "bypass": p.network_acls.bypass if p.network_acls else None,
                "defaultAction": p.network_acls.default_action if p.network_acls else None,
            }
        )
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 (report anything as JSON)
        print(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}))
        sys.exit(1)
