"""An independent Key Vault client for the interop tests: the Azure SDK for Python + MSAL Python.

Run with Debian's /usr/bin/python3 (python3-azure). Signs in like a GitHub workflow would: asks the
runner's OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN) for a token with the audience
api://AzureADTokenExchange and hands it to ClientAssertionCredential. All traffic goes through
HTTPS_PROXY, trusting REQUESTS_CA_BUNDLE.

MODE=read    reads SECRET_NAME (what the action stored), checks its KEK with KeyClient and unwraps
             the value with CryptographyClient.unwrap_key (always done by the vault: /unwrapkey).
MODE=create  makes a BEK the ADE way: 32 random bytes, wrap_key RSA-OAEP-256 with the KEK at
             KEK_URL, set_secret with content type 'Wrapped BEK' and the three ADE tags.
MODE=create-many  the same for each name in SECRET_NAMES (one per line).
MODE=arm-vault  reads the vault resource RESOURCE_GROUP/VAULT_NAME in SUBSCRIPTION_ID through ARM
             with azure-mgmt-keyvault: its id, location and the properties ADE depends on.
MODE=unwrap-many  reads the latest version of each name in SECRET_NAMES and has the vault unwrap it
             with the KEK version and algorithm its tags name (CryptographyClient: /unwrapkey).

Prints one JSON line on stdout; exit status 0 on success, 1 with {"ok": false, "error": ...}.
"""
import base64
import json
import os
import sys
import uuid


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def github_oidc_token():
    import requests  # Debian's python3-requests; honours HTTPS_PROXY and REQUESTS_CA_BUNDLE

    url = os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"]
    sep = "&" if "?" in url else "?"
    response = requests.get(
        f"{url}{sep}audience=api://AzureADTokenExchange",
        headers={"Authorization": "Bearer " + os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["value"]


def versions():
    import azure.core
    import azure.identity
    import azure.keyvault.keys
    import azure.keyvault.secrets
    import msal

    return {
        "python": sys.version.split()[0],
        "azure-core": azure.core.__version__,
        "azure-identity": azure.identity._version.VERSION,
        "azure-keyvault-keys": azure.keyvault.keys.VERSION,
        "azure-keyvault-secrets": azure.keyvault.secrets.VERSION,
        "msal": msal.__version__,
    }


def read(credential, vault_url, secret_name):
    from azure.keyvault.keys import KeyClient
    from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm
    from azure.keyvault.secrets import SecretClient

    secrets = SecretClient(vault_url, credential)
    secret = secrets.get_secret(secret_name)
    tags = secret.properties.tags or {}
    kek_url = tags["DiskEncryptionKeyEncryptionKeyURL"]
    algorithm = KeyWrapAlgorithm(tags["DiskEncryptionKeyEncryptionAlgorithm"])

    # The KEK named by the tag, read with KeyClient (by name and version).
    kek_parts = kek_url.rstrip("/").split("/")
    keys = KeyClient(kek_url.split("/keys/")[0], credential)
    kek = keys.get_key(kek_parts[-2], kek_parts[-1])

    # A public JWK cannot unwrap locally: the SDK sends this to the vault's /unwrapkey.
    crypto = CryptographyClient(kek_url, credential)
    unwrapped = crypto.unwrap_key(algorithm, b64url_decode(secret.value))
    return {
        "secretId": secret.id,
        "value": secret.value,
        "contentType": secret.properties.content_type,
        "tags": tags,
        "enabled": secret.properties.enabled,
        "kek": {"id": kek.id, "kty": str(kek.key_type.value if hasattr(kek.key_type, "value") else kek.key_type), "keyOps": kek.key_operations},
        "unwrapAlgorithm": str(unwrapped.algorithm.value if hasattr(unwrapped.algorithm, "value") else unwrapped.algorithm),
        "unwrapKeyId": unwrapped.key_id,
        "keyHex": unwrapped.key.hex(),
        "keyLength": len(unwrapped.key),
        "apiVersions": {"secrets": secrets.api_version, "keys": keys.api_version, "crypto": crypto.api_version},
    }


def create(credential, vault_url, secret_name, kek_url):
    from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm
    from azure.keyvault.secrets import SecretClient

    bek = os.urandom(32)
    # Built from the KEK's ID, the client first tries GET /keys (for local cryptography); without
    # keys/get permission it wraps with the vault's /wrapkey, as ADE does.
    crypto = CryptographyClient(kek_url, credential)
    wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep_256, bek)
    tags = {
        "DiskEncryptionKeyFileName": f"{secret_name}.BEK",
        "DiskEncryptionKeyEncryptionAlgorithm": "RSA-OAEP-256",
        "DiskEncryptionKeyEncryptionKeyURL": kek_url,
    }
    secrets = SecretClient(vault_url, credential)
    stored = secrets.set_secret(secret_name, b64url_encode(wrapped.encrypted_key), content_type="Wrapped BEK", tags=tags)
    return {
        "secretId": stored.id,
        "secretVersion": stored.properties.version,
        "value": stored.value,
        "contentType": stored.properties.content_type,
        "tags": stored.properties.tags,
        "wrapKeyId": wrapped.key_id,
        "keyHex": bek.hex(),
        "apiVersions": {"secrets": secrets.api_version, "crypto": crypto.api_version},
    }


def unwrap_many(credential, vault_url, names):
    from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm
    from azure.keyvault.secrets import SecretClient

    secrets = SecretClient(vault_url, credential)
    unwrapped = []
    for name in names:
        secret = secrets.get_secret(name)
        tags = secret.properties.tags or {}
        crypto = CryptographyClient(tags["DiskEncryptionKeyEncryptionKeyURL"], credential)
        result = crypto.unwrap_key(KeyWrapAlgorithm(tags["DiskEncryptionKeyEncryptionAlgorithm"]), b64url_decode(secret.value))
        unwrapped.append({"name": name, "secretId": secret.id, "unwrapKeyId": result.key_id, "keyHex": result.key.hex()})
    return {"unwrapped": unwrapped}


def arm_vault(credential):
    from azure.mgmt.keyvault import KeyVaultManagementClient
    from azure.mgmt.keyvault._version import VERSION

    client = KeyVaultManagementClient(credential, os.environ["SUBSCRIPTION_ID"])
    vault = client.vaults.get(os.environ["RESOURCE_GROUP"], os.environ["VAULT_NAME"])
    p = vault.properties
    return {
        "azure-mgmt-keyvault": VERSION,
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


def names_from_env():
    return [line.strip() for line in os.environ["SECRET_NAMES"].splitlines() if line.strip()]


def main():
    from azure.identity import ClientAssertionCredential

    mode = os.environ.get("MODE", "read")
    credential = ClientAssertionCredential(os.environ["TENANT_ID"], os.environ["CLIENT_ID"], github_oidc_token)
    vault_url = os.environ.get("VAULT_URL", "")
    secret_name = os.environ.get("SECRET_NAME") or str(uuid.uuid4()).upper()
    try:
        if mode == "read":
            result = read(credential, vault_url, secret_name)
        elif mode == "create":
            result = create(credential, vault_url, secret_name, os.environ["KEK_URL"])
        elif mode == "create-many":
            result = {"created": [create(credential, vault_url, name, os.environ["KEK_URL"]) for name in names_from_env()]}
        elif mode == "arm-vault":
            result = arm_vault(credential)
        elif mode == "unwrap-many":
            result = unwrap_many(credential, vault_url, names_from_env())
        else:
            raise ValueError(f"unknown MODE {mode!r}")
    except Exception as ex:  # report every failure as JSON for the test to show
        print(json.dumps({"ok": False, "error": f"{type(ex).__name__}: {ex}", "status": getattr(ex, "status_code", None)}))
        return 1
    print(json.dumps({"ok": True, "mode": mode, "versions": versions(), **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
