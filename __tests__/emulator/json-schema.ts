// A small checker for the JSON-schema subset the Key Vault swagger uses: type, properties,
// required, items, enum, additionalProperties, $ref to #/definitions. Undeclared properties are
// reported (a stand-in must not invent fields). format/readOnly/x-ms-* are ignored.
type Schema = Record<string, any>

export function validate(value: unknown, schema: Schema, root: Schema, path = '$'): string[] {
  if (schema['$ref']) {
    const name = String(schema['$ref']).replace(/^#\/definitions\//, '')
    const target = root['definitions']?.[name]
    if (!target) return [`${path}: unresolved $ref ${schema['$ref']}`]
    return validate(value, target, root, path)
  }
  const errors: string[] = []
  const type = schema['type']
  if (type) {
    const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value
    const ok =
      (type === 'integer' && typeof value === 'number' && Number.isInteger(value)) ||
      (type === 'number' && typeof value === 'number') ||
      (type === 'object' && actual === 'object') ||
      type === actual
    if (!ok) return [`${path}: expected ${type}, got ${actual}`]
  }
  if (schema['enum'] && !(schema['x-ms-enum']?.modelAsString === true) && !schema['enum'].includes(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema['enum'])}`)
  }
  if (Array.isArray(value) && schema['items']) {
    value.forEach((item, i) => errors.push(...validate(item, schema['items'], root, `${path}[${i}]`)))
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>
    const props: Record<string, Schema> = schema['properties'] ?? {}
    for (const req of schema['required'] ?? []) if (!(req in obj)) errors.push(`${path}: missing required ${req}`)
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) {
        // Key Vault sends `"nextLink": null`; optional properties may be null.
        if (v === null && !(schema['required'] ?? []).includes(k)) continue
        errors.push(...validate(v, props[k]!, root, `${path}.${k}`))
      } else if (schema['additionalProperties'] && typeof schema['additionalProperties'] === 'object') {
        errors.push(...validate(v, schema['additionalProperties'], root, `${path}.${k}`))
      } else if (schema['properties']) {
        errors.push(`${path}: undeclared property ${k}`)
      }
    }
  }
  return errors
}

/** Same keys (ours may add schema-declared ones) and the same JSON types, recursively. */
export function shapeDiff(expected: unknown, actual: unknown, path = '$'): string[] {
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v)
  if (kind(expected) !== kind(actual)) return [`${path}: expected ${kind(expected)}, got ${kind(actual)}`]
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return expected.length && actual.length ? shapeDiff(expected[0], actual[0], `${path}[0]`) : []
  }
  if (expected && typeof expected === 'object') {
    const a = actual as Record<string, unknown>
    return Object.entries(expected as Record<string, unknown>).flatMap(([k, v]) =>
      k in a ? shapeDiff(v, a[k], `${path}.${k}`) : [`${path}: missing ${k}`]
    )
  }
  return []
}
