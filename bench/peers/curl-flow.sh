#!/usr/bin/env bash
# The reference REST flow for one KEK-wrapped BEK as a plain curl script: the minimal-overhead
# way to do the job by hand. Sign in with the job's GitHub OIDC token (federated credential),
# have the vault wrap 32 random bytes with the KEK, read the KEK for its versioned id, store the
# wrapped key as an ADE secret. Each curl is a new process and a new connection.
# Needs: VAULT_URL KEK_NAME CLIENT_ID TENANT_ID ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN; curl honours
# HTTPS_PROXY; CA is the stand-ins' test CA (on a real runner, drop --cacert).
set -euo pipefail
umask 077
api='api-version=7.5'
c=(curl -sS --fail-with-body --max-time 20 --proxy "$HTTPS_PROXY" --cacert "$CA")
json_field() { # json_field <name> <json>: a string field, without jq (no extra process)
  [[ $2 =~ \"$1\":\"([^\"]*)\" ]] && printf '%s' "${BASH_REMATCH[1]}"
}

# 1. GitHub OIDC token for Entra's federated credential audience.
oidc=$("${c[@]}" -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange")
assertion=$(json_field value "$oidc")

# 2. Sign in: client credentials with the OIDC token as client assertion, scope Key Vault.
token_json=$("${c[@]}" "https://login.microsoftonline.com/$TENANT_ID/oauth2/v2.0/token" \
  --data-urlencode "client_id=$CLIENT_ID" \
  --data-urlencode 'scope=https://vault.azure.net/.default' \
  --data-urlencode 'grant_type=client_credentials' \
  --data-urlencode 'client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer' \
  --data-urlencode "client_assertion=$assertion")
token=$(json_field access_token "$token_json")
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')

# 3. Wrap 32 random bytes (base64url) with the KEK, RSA-OAEP; the key goes on stdin, not argv.
bek=$(head -c 32 /dev/urandom | basenc --base64url | tr -d '=\n')
wrapped_json=$(printf '{"alg":"RSA-OAEP","value":"%s"}' "$bek" |
  "${c[@]}" "${auth[@]}" --data-binary @- "$VAULT_URL/keys/$KEK_NAME/wrapkey?$api")
unset bek
wrapped=$(json_field value "$wrapped_json")

# 4. The KEK's versioned id for the ADE tag.
key_json=$("${c[@]}" "${auth[@]}" "$VAULT_URL/keys/$KEK_NAME?$api")
kid=$(json_field kid "$key_json")

# 5. Store the wrapped key as an ADE secret.
name=${SECRET_NAME:-$(cat /proc/sys/kernel/random/uuid)}
printf '{"value":"%s","contentType":"Wrapped BEK","tags":{"DiskEncryptionKeyFileName":"LinuxPassPhraseFileName","DiskEncryptionKeyEncryptionAlgorithm":"RSA-OAEP","DiskEncryptionKeyEncryptionKeyURL":"%s"}}' "$wrapped" "$kid" |
  "${c[@]}" "${auth[@]}" -X PUT --data-binary @- "$VAULT_URL/secrets/$name?$api" >/dev/null
echo "$VAULT_URL/secrets/$name"
