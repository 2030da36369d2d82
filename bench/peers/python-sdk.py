"""The same job with the Azure SDK for Python (Debian's python3-azure), as a Python user would
write it: ClientAssertionCredential fed by the job's GitHub OIDC token, KeyClient for the KEK,
CryptographyClient.wrap_key, SecretClient.set_secret with the ADE tags and content type.

RSA-OAEP, as ADE and the other flows use. Note: given the KeyVaultKey from get_key, this SDK
(Debian's azure-keyvault-keys 4.8.0b3) wraps locally with the key's public half, for RSA-OAEP
and RSA-OAEP-256 alike, so the vault sees no wrapkey request; the wrapped value is of the same
form. That is what a Python user gets by default, so it is measured as is. Needs: VAULT_URL KEK_NAME CLIENT_ID TENANT_ID
ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN, HTTPS_PROXY, REQUESTS_CA_BUNDLE.
"""
import base64
import os
import secrets
import sys
import uuid

import requests
from azure.identity import ClientAssertionCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm
from azure.keyvault.secrets import SecretClient

env = os.environ


def github_oidc_token() -> str:
    r = requests.get(
        env["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&audience=api://AzureADTokenExchange",
        headers={"Authorization": "Bearer " + env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]},
        timeout=20,
    )
    r.raise_for_status()
    return r.json()["value"]


credential = ClientAssertionCredential(env["TENANT_ID"], env["CLIENT_ID"], github_oidc_token)
vault = env["VAULT_URL"]
kek = KeyClient(vault, credential).get_key(env["KEK_NAME"])
wrapped = CryptographyClient(kek, credential).wrap_key(KeyWrapAlgorithm.rsa_oaep, secrets.token_bytes(32))
name = env.get("SECRET_NAME") or str(uuid.uuid4()).upper()
secret = SecretClient(vault, credential).set_secret(
    name,
    # The wrapkey result, base64url without padding, as ADE stores it.
    base64.urlsafe_b64encode(wrapped.encrypted_key).decode().rstrip("="),
    content_type="Wrapped BEK",
    tags={
        "DiskEncryptionKeyFileName": "LinuxPassPhraseFileName",
        "DiskEncryptionKeyEncryptionAlgorithm": "RSA-OAEP",
        "DiskEncryptionKeyEncryptionKeyURL": wrapped.key_id or kek.id,
    },
)
print(secret.id)
sys.exit(0)
