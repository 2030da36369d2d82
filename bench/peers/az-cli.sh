#!/usr/bin/env bash
# The same job with Azure CLI (Debian's azure-cli 2.45), as many users would write it today:
# `az login` with the job's OIDC token, then `az rest` for the key, the wrapkey and the secret
# (Debian's build cannot run `az keyvault ...`: its package lacks azure.keyvault.v7_0).
# Needs: VAULT_URL KEK_NAME CLIENT_ID TENANT_ID ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN, HTTPS_PROXY,
# REQUESTS_CA_BUNDLE, and an isolated AZURE_CONFIG_DIR.
set -euo pipefail
umask 077
: "${AZURE_CONFIG_DIR:?}"
export AZURE_CORE_COLLECT_TELEMETRY=no AZURE_CORE_ONLY_SHOW_ERRORS=yes AZURE_CORE_NO_COLOR=yes
api='api-version=7.5'
res=(--resource https://vault.azure.net)

# GitHub OIDC token (what azure/login fetches for `az login --federated-token`).
jwt=$(curl -sS --fail-with-body --max-time 20 --proxy "$HTTPS_PROXY" --cacert "$REQUESTS_CA_BUNDLE" \
  -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value)

az login --service-principal -u "$CLIENT_ID" -t "$TENANT_ID" --federated-token "$jwt" --allow-no-subscriptions --output none

kid=$(az rest --method get --url "$VAULT_URL/keys/$KEK_NAME?$api" "${res[@]}" --query key.kid --output tsv)

body="$AZURE_CONFIG_DIR/wrap.json" # the plaintext key stays out of argv
printf '{"alg":"RSA-OAEP","value":"%s"}' "$(head -c 32 /dev/urandom | basenc --base64url | tr -d '=\n')" >"$body"
wrapped=$(az rest --method post --url "$kid/wrapkey?$api" "${res[@]}" --body "@$body" --query value --output tsv)
rm -f "$body"

name=${SECRET_NAME:-$(cat /proc/sys/kernel/random/uuid)}
printf '{"value":"%s","contentType":"Wrapped BEK","tags":{"DiskEncryptionKeyFileName":"LinuxPassPhraseFileName","DiskEncryptionKeyEncryptionAlgorithm":"RSA-OAEP","DiskEncryptionKeyEncryptionKeyURL":"%s"}}' "$wrapped" "$kid" >"$AZURE_CONFIG_DIR/secret.json"
az rest --method put --url "$VAULT_URL/secrets/$name?$api" "${res[@]}" --body "@$AZURE_CONFIG_DIR/secret.json" --output none
echo "$VAULT_URL/secrets/$name"
