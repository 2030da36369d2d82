"""Runs Debian's azure-cli 2.45 in-process, with one change: the default api-version of compute.

Debian's azure-mgmt-compute 29.0.0 stops at 2022-08-01, but azure-cli 2.45's 'latest' profile asks
for 2022-11-01, so every `az vm ...` fails before sending anything ("API version 2022-11-01 does not
have operation group 'virtual_machines'"). Everything else (the operation-group api-versions, the
validators, the commands) is azure-cli's own. Usage: /usr/bin/python3 az_in_process.py vm ...
"""
import sys

from azure.cli.core.profiles import ResourceType
from azure.cli.core.profiles._shared import AZURE_API_PROFILES, SDKProfile

COMPUTE = ResourceType.MGMT_COMPUTE
latest = AZURE_API_PROFILES["latest"]
latest[COMPUTE] = SDKProfile("2022-08-01", latest[COMPUTE].profile)

from azure.cli.core import get_default_cli  # noqa: E402 (after the profile is patched)

sys.exit(get_default_cli().invoke(sys.argv[1:]))
