#!/usr/bin/env bash
# Installs the independent tools the interop tests (__tests__/interop/) use: Debian's
# python3-azure (Azure SDK for Python + python3-msal) and azure-cli, which run against the
# stand-ins; dislocker, whose dislocker-bek reads BitLocker startup-key (.BEK) files; and
# cryptsetup-bin, whose cryptsetup formats and opens LUKS images and BitLocker volumes as plain
# files (no root device) for the pre-encrypted disk tests; xz-utils unpacks the BitLocker fixture.
# Idempotent: does nothing (0.3 s) when all are already usable. A fresh install takes 1.5-3 min
# (70 packages, mostly azure-cli's). Needs root (or passwordless sudo) and Debian's apt (bookworm).
set -euo pipefail

have_python_sdk() { /usr/bin/python3 -c 'import azure.keyvault.keys, azure.keyvault.secrets, azure.identity, msal' >/dev/null 2>&1; }
have_az() { command -v az >/dev/null 2>&1; }
have_dislocker() { [ -x /usr/bin/dislocker-bek ]; }
have_cryptsetup() { [ -x /usr/sbin/cryptsetup ] || [ -x /sbin/cryptsetup ]; }
have_xz() { command -v xz >/dev/null 2>&1; }

if have_python_sdk && have_az && have_dislocker && have_cryptsetup && have_xz; then
  echo "interop tools already installed: python3-azure, azure-cli, dislocker, cryptsetup-bin, xz-utils"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "no apt-get: cannot install python3-azure/azure-cli/dislocker/cryptsetup-bin; the interop tests will be skipped" >&2
  exit 1
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "not root and no sudo: cannot install python3-azure/azure-cli/dislocker/cryptsetup-bin" >&2
    exit 1
  fi
fi

packages=()
have_python_sdk || packages+=(python3-azure)
have_az || packages+=(azure-cli)
have_dislocker || packages+=(dislocker)
have_cryptsetup || packages+=(cryptsetup-bin)
have_xz || packages+=(xz-utils)
echo "installing ${packages[*]} (a few minutes)"
started=$(date +%s)
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
echo "installed ${packages[*]} in $(( $(date +%s) - started )) s"

have_python_sdk || { echo "python3-azure installed but /usr/bin/python3 cannot import it" >&2; exit 1; }
have_az || { echo "azure-cli installed but az is not on PATH" >&2; exit 1; }
have_dislocker || { echo "dislocker installed but /usr/bin/dislocker-bek is missing" >&2; exit 1; }
have_cryptsetup || { echo "cryptsetup-bin installed but /usr/sbin/cryptsetup is missing" >&2; exit 1; }
have_xz || { echo "xz-utils installed but xz is not on PATH" >&2; exit 1; }
dpkg-query -W -f='${Package} ${Version}\n' python3-azure python3-msal azure-cli dislocker cryptsetup-bin xz-utils
