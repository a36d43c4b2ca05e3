import { isRecord } from '../ixit/documents.ts'

/**
 * JSON pointers of the properties an editor would show without help: neither the property nor
 * the definition it refers to has a title or a description.
 */
export function undocumentedProperties(schema: Record<string, unknown>): string[] {
  const defs = isRecord(schema.$defs) ? schema.$defs : {}
  const documented = (p: unknown) => isRecord(p) && (typeof p.title === 'string' || typeof p.description === 'string')
  const undocumented: string[] = []
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${path}/${i}`))
    if (!isRecord(node)) return
    if (isRecord(node.properties)) {
      for (const [name, prop] of Object.entries(node.properties)) {
        const target = isRecord(prop) && typeof prop.$ref === 'string' ? defs[prop.$ref.replace('#/$defs/', '')] : undefined
        if (!documented(prop) && !documented(target)) undocumented.push(`${path}/properties/${name}`)
      }
    }
    for (const [key, value] of Object.entries(node)) visit(value, `${path}/${key}`)
  }
  visit(schema, '#')
  return undocumented
}
