export const id = 757;
export const ids = [757];
export const modules = {

/***/ 1757:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  readVaultResources: () => (/* binding */ readVaultResources)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 15 modules
var core = __webpack_require__(4116);
// EXTERNAL MODULE: ./src/actionable-error.ts
var actionable_error = __webpack_require__(5078);
// EXTERNAL MODULE: ./src/untrusted.ts
var untrusted = __webpack_require__(873);
;// CONCATENATED MODULE: ./src/arm/checks.ts
/**
 * ADE's pre-flight checks on the vault resources, each with the setting it is about and the
 * exact fix. Errors are where ADE would fail; warnings where it still works.
 */

/** The checks every vault gets, as the summary's table lists them. */
const CHECK_NAMES = ['disk encryption', 'soft delete', 'purge protection', 'network', 'region', 'permissions'];
/** ARM compares regions ignoring case and spaces: `West Europe` is `westeurope`. */
function normaliseRegion(region) {
    return region.replace(/\s+/g, '').toLowerCase();
}
function vaultChecks(pair) {
    const checks = [];
    const sameVault = pair.vault.id.toLowerCase() === pair.kekVault.id.toLowerCase();
    const vaults = sameVault
        ? [{ v: pair.vault, name: pair.vaultName, role: 'secret' }]
        : [
            { v: pair.vault, name: pair.vaultName, role: 'secret' },
            { v: pair.kekVault, name: pair.kekVaultName, role: 'kek' }
        ];
    for (const { v, name, role } of vaults) {
        const p = v.properties;
        if (p.enabledForDiskEncryption !== true) {
            checks.push({
                vault: name,
                name: 'disk encryption',
                // ADE's platform reads the secret from its vault at boot; a separate KEK vault is reached by its key URL.
                level: role === 'secret' ? 'error' : 'warning',
                message: `${name}: enabledForDiskEncryption is off, so ${role === 'secret' ? 'Azure Disk Encryption cannot read the BEK at boot' : 'the KEK vault is not set up for disk encryption'}. ` +
                    `Fix: az keyvault update --name ${name} --enabled-for-disk-encryption true`
            });
        }
        if (p.enableSoftDelete === false) {
            checks.push({
                vault: name,
                name: 'soft delete',
                level: 'warning',
                message: `${name}: soft delete is off; a deleted ${role === 'kek' ? 'KEK' : 'BEK'} cannot be recovered and the VMs cannot boot. Fix: az keyvault update --name ${name} --enable-soft-delete true`
            });
        }
        if (p.enablePurgeProtection !== true) {
            checks.push({
                vault: name,
                name: 'purge protection',
                level: 'warning',
                message: `${name}: purge protection is off; a purged ${role === 'kek' ? 'KEK' : 'BEK'} means unbootable VMs. Fix: az keyvault update --name ${name} --enable-purge-protection true`
            });
        }
        checks.push(...networkChecks(v, name));
    }
    const vaultRegion = normaliseRegion(pair.vault.location);
    if (!sameVault && normaliseRegion(pair.kekVault.location) !== vaultRegion) {
        checks.push({
            vault: pair.kekVaultName,
            name: 'region',
            level: 'error',
            message: `${pair.kekVaultName} is in ${(0,untrusted/* untrusted */.bp)(pair.kekVault.location)} but ${pair.vaultName} is in ${(0,untrusted/* untrusted */.bp)(pair.vault.location)}; ADE needs both vaults in the VMs' region. ` +
                `Fix: use a KEK in a vault in ${(0,untrusted/* untrusted */.bp)(pair.vault.location)} (az keyvault create --name <vault> --location ${(0,untrusted/* untrusted */.bp)(pair.vault.location)} --enabled-for-disk-encryption true).`
        });
    }
    if (pair.location !== undefined) {
        for (const { v, name } of vaults) {
            if (normaliseRegion(v.location) !== normaliseRegion(pair.location)) {
                checks.push({
                    vault: name,
                    name: 'region',
                    level: 'error',
                    message: `${name} is in ${(0,untrusted/* untrusted */.bp)(v.location)}, not in location ${(0,untrusted/* untrusted */.bp)(pair.location)}; ADE needs the vault in the VMs' region. ` +
                        `Fix: use a vault in ${(0,untrusted/* untrusted */.bp)(pair.location)} (az keyvault create --name <vault> --location ${(0,untrusted/* untrusted */.bp)(pair.location)} --enabled-for-disk-encryption true), or correct location.`
                });
            }
        }
    }
    return checks;
}
function networkChecks(v, name) {
    const p = v.properties;
    const closed = p.publicNetworkAccess?.toLowerCase() === 'disabled' || p.networkAcls?.defaultAction?.toLowerCase() === 'deny';
    if (!closed)
        return [];
    const bypass = (p.networkAcls?.bypass ?? 'None').toLowerCase().split(/\s*,\s*/);
    if (!bypass.includes('azureservices')) {
        return [
            {
                vault: name,
                name: 'network',
                level: 'error',
                message: `${name}: its firewall does not let trusted Microsoft services through (bypass: ${(0,untrusted/* untrusted */.bp)(p.networkAcls?.bypass ?? 'None')}), so ADE cannot read the keys at boot. Fix: az keyvault update --name ${name} --bypass AzureServices`
            }
        ];
    }
    return [
        {
            vault: name,
            name: 'network',
            level: 'warning',
            message: `${name}: its firewall (publicNetworkAccess ${(0,untrusted/* untrusted */.bp)(p.publicNetworkAccess ?? '')}, defaultAction ${(0,untrusted/* untrusted */.bp)(p.networkAcls?.defaultAction ?? '')}) may block this runner. Fix: az keyvault network-rule add --name ${name} --ip-address <runner IP>, or run on a runner in an allowed network.`
        }
    ];
}

;// CONCATENATED MODULE: ./src/arm/check-table.ts
/**
 * The job summary's table of ADE's vault checks: every check on every vault, passed or not,
 * so a pull-request check shows what it verified as well as what it found.
 */



const RESULT = { error: '❌ fails', warning: '⚠️ warning', passed: '✅ passed' };
async function writeCheckTable(vaults, checks) {
    const rows = vaults.flatMap((vault) => CHECK_NAMES.map((name) => {
        const found = checks.filter((c) => c.vault === vault && c.name === name);
        const level = found.some((c) => c.level === 'error') ? 'error' : found.length > 0 ? 'warning' : 'passed';
        // Vault names are validated inputs; the messages were made printable when they were written.
        return [(0,untrusted/* escapeHtml */.ZD)(vault), name, RESULT[level], found.map((c) => (0,untrusted/* escapeHtml */.ZD)(c.message)).join('<br>')];
    }));
    await core/* summary */.z
        .addHeading('Vault checks (Azure Resource Manager)', 3)
        .addTable([
        [
            { data: 'Vault', header: true },
            { data: 'Check', header: true },
            { data: 'Result', header: true },
            { data: 'Fix', header: true }
        ],
        ...rows
    ])
        .write();
}

// EXTERNAL MODULE: ./node_modules/@azure/core-rest-pipeline/dist/esm/index.js + 83 modules
var esm = __webpack_require__(6826);
;// CONCATENATED MODULE: ./src/arm/client.ts


const USER_AGENT = 'azure-bek-action/1';
class ArmError extends Error {
    status;
    code;
    constructor(status, code, message) {
        super(message || `HTTP ${status}`);
        this.status = status;
        this.code = code;
    }
}
class ArmClient {
    #pipeline;
    #httpClient;
    #connections;
    #endpoint;
    constructor(credential, cloud, connections) {
        this.#connections = connections;
        this.#endpoint = cloud.armEndpoint;
        this.#pipeline = (0,esm/* createPipelineFromOptions */.Fp)({ userAgentOptions: { userAgentPrefix: USER_AGENT } });
        // One scope for every call: the pipeline's cache then holds the run's one ARM token.
        this.#pipeline.addPolicy((0,esm/* bearerTokenAuthenticationPolicy */.N$)({ credential, scopes: cloud.armScope }), { phase: 'Sign' });
        this.#httpClient = (0,esm/* createDefaultHttpClient */.fl)();
    }
    /** GETs `path` (from the endpoint, query included except api-version); non-2xx throws ArmError. */
    async get(path, apiVersion) {
        const url = `${this.#endpoint}${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`;
        const request = (0,esm/* createPipelineRequest */.G6)({ url, method: 'GET' });
        request.agent = this.#connections.agentFor(new URL(this.#endpoint).hostname);
        const response = await this.#pipeline.sendRequest(this.#httpClient, request);
        core/* debug */.Yz(`GET ${url} -> ${response.status}`);
        const text = response.bodyAsText ?? '';
        if (response.status >= 300) {
            const error = parseError(text);
            throw new ArmError(response.status, error.code ?? '', error.message ?? text.slice(0, 300));
        }
        return JSON.parse(text);
    }
}
function parseError(body) {
    try {
        const { error } = JSON.parse(body);
        return { code: error?.code, message: error?.message };
    }
    catch {
        return {};
    }
}

;// CONCATENATED MODULE: ./src/arm/permissions.ts
const PERMISSIONS_API = '2022-04-01';
const NEEDS = {
    readKey: { action: 'keys/read', role: 'Key Vault Crypto Service Encryption User', policy: ['keys', 'get'], doing: 'read the KEK' },
    wrapKey: {
        action: 'keys/wrap/action',
        role: 'Key Vault Crypto Service Encryption User',
        policy: ['keys', 'wrapKey'],
        doing: 'wrap the key'
    },
    unwrapKey: {
        action: 'keys/unwrap/action',
        role: 'Key Vault Crypto Service Encryption User',
        policy: ['keys', 'unwrapKey'],
        doing: 'verify the wrapped key'
    },
    setSecret: {
        action: 'secrets/setSecret/action',
        role: 'Key Vault Secrets Officer',
        policy: ['secrets', 'set'],
        doing: 'store the secret'
    },
    getSecret: {
        action: 'secrets/getSecret/action',
        role: 'Key Vault Secrets Officer',
        policy: ['secrets', 'get'],
        doing: 'check existing secret names'
    }
};
/** ARM action patterns: `*` matches any run of characters, case ignored. */
function matches(pattern, action) {
    const re = new RegExp(`^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
        .join('.*')}$`, 'i');
    return re.test(action);
}
function allowedByRbac(permissions, action) {
    const full = `Microsoft.KeyVault/vaults/${action}`;
    return permissions.some((p) => (p.dataActions ?? []).some((a) => matches(a, full)) && !(p.notDataActions ?? []).some((a) => matches(a, full)));
}
async function permissionChecks(arm, vault, vaultName, needs, objectId) {
    if (vault.properties.enableRbacAuthorization === true) {
        const { value } = await arm.get(`${vault.id}/providers/Microsoft.Authorization/permissions`, PERMISSIONS_API);
        return needs
            .filter((n) => !allowedByRbac(value ?? [], n.action))
            .map((n) => ({
            vault: vaultName,
            name: 'permissions',
            level: 'error',
            message: `${vaultName}: the signed-in identity lacks Microsoft.KeyVault/vaults/${n.action} to ${n.doing}. ` +
                `Fix: az role assignment create --role "${n.role}" --assignee <client-id> --scope ${vault.id}`
        }));
    }
    const oid = objectId();
    const policy = (vault.properties.accessPolicies ?? []).find((p) => oid !== undefined && p.objectId?.toLowerCase() === oid.toLowerCase());
    return needs
        .filter((n) => {
        const granted = (policy?.permissions?.[n.policy[0]] ?? []).map((p) => p.toLowerCase());
        return !granted.includes(n.policy[1].toLowerCase()) && !granted.includes('all');
    })
        .map((n) => ({
        vault: vaultName,
        name: 'permissions',
        level: 'error',
        message: `${vaultName}: the vault's access policy for the signed-in identity lacks ${n.policy[0]} ${n.policy[1]} to ${n.doing}. ` +
            `Fix: az keyvault set-policy --name ${vaultName} --object-id ${oid ?? '<object-id>'} --${n.policy[0] === 'keys' ? 'key' : 'secret'}-permissions ${n.policy[1]}`
    }));
}

// EXTERNAL MODULE: ./src/vault-resource-id.ts
var vault_resource_id = __webpack_require__(5240);
;// CONCATENATED MODULE: ./src/arm/vaults.ts
/**
 * Finds the vaults of the run in Azure Resource Manager: the secret's vault by name (one
 * resources-list request) or by the resource ID given, the KEK's vault by name in the same
 * subscription, then each vault's properties.
 */




/** Served in every cloud, sovereign ones included, and has every property the checks read. */
const VAULTS_API = '2022-07-01';
const RESOURCES_API = '2021-04-01';
/** The vault named `name` in the subscription: its resource ID, as ARM spells it. */
async function findVaultId(arm, subscriptionId, name) {
    const filter = encodeURIComponent(`resourceType eq 'Microsoft.KeyVault/vaults' and name eq '${name}'`);
    const scope = `/subscriptions/${subscriptionId}`;
    const found = await arm
        .get(`${scope}/resources?$filter=${filter}`, RESOURCES_API)
        .catch((error) => {
        throw explain(error, name, scope);
    });
    const match = found.value?.find((r) => r.name?.toLowerCase() === name.toLowerCase() && r.id);
    if (!match?.id) {
        throw new actionable_error/* ActionableError */.f(`Azure Resource Manager finds no key vault named '${name}' in subscription ${subscriptionId}. ` +
            'Check subscription-id (the vaults must be in that subscription), give key-vault as the resource ID, ' +
            `or grant the signed-in identity Reader on the vault or its resource group (az role assignment create --role Reader --assignee <client-id> --scope <vault resource ID>).`);
    }
    return match.id;
}
async function readVault(arm, id) {
    const parsed = (0,vault_resource_id/* parseVaultResourceId */.Nc)(id);
    if (!parsed)
        throw new actionable_error/* ActionableError */.f(`Azure Resource Manager answered with '${(0,untrusted/* untrusted */.bp)(id)}', which is not a key vault resource ID.`);
    return arm.get((0,vault_resource_id/* vaultResourcePath */.Mn)(parsed), VAULTS_API).catch((error) => {
        throw explain(error, parsed.name, id);
    });
}
function explain(error, name, scope) {
    if (!(error instanceof ArmError))
        return error;
    const said = `Azure Resource Manager said ${error.status} ${(0,untrusted/* untrusted */.bp)(error.code)}: ${(0,untrusted/* untrusted */.bp)(error.message)}`;
    if (error.status === 403) {
        return new actionable_error/* ActionableError */.f(`The signed-in identity may not read the key vault '${name}' in Azure Resource Manager (${scope}). ${said} ` +
            `Grant it Reader on the vault or its resource group (az role assignment create --role Reader --assignee <client-id> --scope <vault resource ID>), ` +
            'or remove subscription-id to skip the resource IDs and checks.', { cause: error });
    }
    if (error.status === 404) {
        return new actionable_error/* ActionableError */.f(`Azure Resource Manager finds no key vault '${name}' at ${scope}. ${said} Check subscription-id and the resource ID in key-vault.`, { cause: error });
    }
    return new actionable_error/* ActionableError */.f(`Azure Resource Manager could not read the key vault '${name}'. ${said}`, { cause: error });
}

;// CONCATENATED MODULE: ./src/arm/index.ts







async function readVaultResources(credential, settings, connections, warn) {
    const arm = settings.arm;
    const scope = settings.cloud.armScope;
    const token = credential.getToken(scope).then((t) => {
        if (!t)
            throw new actionable_error/* ActionableError */.f(`No Azure Resource Manager token for ${scope}; the credential returned none.`);
        core/* setSecret */.Pq(t.token);
        return t;
    });
    token.catch(() => undefined);
    // The pipeline asks for its token through this, so the run holds exactly one ARM token.
    const client = new ArmClient({ getToken: async () => token }, settings.cloud, connections);
    connections.preconnect(new URL(settings.cloud.armEndpoint).hostname, 2);
    const sameVault = settings.kek.vault.name.toLowerCase() === settings.vault.name.toLowerCase();
    const vaultIdLookup = arm.vaultId ? Promise.resolve(arm.vaultId) : findVaultId(client, arm.subscriptionId, settings.vault.name);
    const kekIdLookup = sameVault ? vaultIdLookup : findVaultId(client, arm.subscriptionId, settings.kek.vault.name);
    const vaultRead = vaultIdLookup.then((id) => readVault(client, id));
    const kekVaultRead = sameVault ? vaultRead : kekIdLookup.then((id) => readVault(client, id));
    const [vault, kekVault] = await Promise.all([vaultRead, kekVaultRead]);
    const tokenValue = (await token).token;
    const objectId = () => oidOf(tokenValue);
    const keyNeeds = [NEEDS.readKey, NEEDS.wrapKey, ...(settings.verify ? [NEEDS.unwrapKey] : [])];
    const secretNeeds = [NEEDS.setSecret, ...(settings.secretNamesMayExist ? [NEEDS.getSecret] : [])];
    const permissions = sameVault
        ? [permissionChecks(client, vault, settings.vault.name, [...keyNeeds, ...secretNeeds], objectId)]
        : [
            permissionChecks(client, vault, settings.vault.name, secretNeeds, objectId),
            permissionChecks(client, kekVault, settings.kek.vault.name, keyNeeds, objectId)
        ];
    const checks = [
        ...vaultChecks({
            vault,
            kekVault,
            vaultName: settings.vault.name,
            kekVaultName: settings.kek.vault.name,
            ...(settings.location !== undefined ? { location: settings.location } : {})
        }),
        ...(await Promise.all(permissions)).flat()
    ];
    checks.filter((c) => c.level === 'warning').forEach((c) => warn(c.message));
    const names = sameVault ? [settings.vault.name] : [settings.vault.name, settings.kek.vault.name];
    // A summary that cannot be written must not hide what the checks found.
    await writeCheckTable(names, checks).catch((error) => core/* debug */.Yz(`No check table in the summary: ${String(error)}`));
    const errors = checks.filter((c) => c.level === 'error');
    const last = errors.at(-1);
    if (last) {
        errors.slice(0, -1).forEach((c) => core/* error */.z3(c.message));
        throw new actionable_error/* ActionableError */.f(`${last.message} (${errors.length} vault ${errors.length === 1 ? 'check' : 'checks'} failed; nothing was stored.)`);
    }
    core/* info */.pq(`Vault resources: ${vault.id}${sameVault ? '' : `, ${kekVault.id}`}`);
    return { vaultId: vault.id, kekVaultId: kekVault.id, checks };
}
/** The `oid` claim of an access token; the token itself is never printed. */
function oidOf(token) {
    try {
        const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
        return typeof payload.oid === 'string' ? payload.oid : undefined;
    }
    catch {
        return undefined;
    }
}


/***/ })

};
