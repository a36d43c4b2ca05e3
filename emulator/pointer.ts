/** RFC 6901 JSON pointers into request bodies, for templates and route conditions. */

/** Syntax only: `/`-separated segments in which `~` only starts `~0` or `~1`; the root `""` is not one. */
export function isPointer(pointer: string): boolean {
  return /^(\/([^~]|~[01])*)+$/.test(pointer)
}

/** The value at the pointer, or `undefined` when the document has none there. */
export function valueAt(document: unknown, pointer: string): unknown {
  let node = document
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(key)) return undefined
      node = node[Number(key)]
    } else if (typeof node === 'object' && node !== null && Object.prototype.hasOwnProperty.call(node, key)) {
      node = (node as Record<string, unknown>)[key]
    } else {
      return undefined
    }
  }
  return node
}

/** A JSON value as a template inserts it and a condition compares it: strings as they are, the rest as JSON. */
export function asText(value: unknown): string | undefined {
  if (value === undefined) return undefined
  return typeof value === 'string' ? value : JSON.stringify(value)
}
