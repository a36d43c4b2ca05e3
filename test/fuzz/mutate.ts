/**
 * Seeded mutations of YAML documents for the loader fuzz test: each takes a valid example and
 * damages it the way a supplier's editor, a copy-paste or a hostile file might. The same seed
 * gives the same document, so a failure found in a long run is replayed from its seed alone.
 */
import { isMap, isPair, isScalar, isSeq, parseDocument, Pair, Scalar, YAMLMap, YAMLSeq, type Document, type Node } from 'yaml'

/** mulberry32: small, fast and good enough to spread mutations; not for anything secret. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Rng {
  private readonly next: () => number
  constructor(seed: number) {
    this.next = mulberry32(seed)
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }
  chance(p: number): boolean {
    return this.next() < p
  }
}

/** The seed of one iteration: a run's seed and the iteration's number, mixed so neighbours differ. */
export function iterationSeed(seed: number, iteration: number): number {
  let h = (seed ^ Math.imul(iteration + 1, 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0
  return (h ^ (h >>> 13)) >>> 0
}

export const MUTATIONS = ['type', 'delete', 'duplicate', 'unicode', 'long', 'nest', 'anchor', 'swap', 'bytes'] as const
export type MutationClass = (typeof MUTATIONS)[number]

export interface Mutated {
  /** The damaged document, as bytes: some mutations make it invalid UTF-8. */
  bytes: Buffer
  /** What was done, for the failure report: `type at /7-UpdMech/0/id`. */
  what: string
}

/** Text a scalar may become, written as YAML source (escapes for what YAML cannot carry raw). */
const UNICODE = [
  '"\\u202Eevil\\u202C"', // right-to-left override
  '"nul\\0byte"',
  '"lone \\uD800 surrogate"',
  '"\\uDC00tail"',
  '"😀 emoji 👩‍💻"',
  '"e\\u0301\\u0301\\u0301 combining"',
  '"\\u200B\\uFEFF zero width"',
  '"line\\u2028separator"',
  '"\\x7F\\x1B[31mansi"',
  "'ﬁ Ω Å ß 中文 العربية'",
]

const SCALARS: unknown[] = [0, -1, 1.5, 1e308, true, false, null, '', 'x', '2024-01-01', '1.0.0', 'P1D', [], {}, ['a'], { a: 1 }]

/** `parsed`: the text parsed once before, cloned here (parsing each time costs more than linting). */
export function mutate(text: string, rng: Rng, classes: readonly MutationClass[] = MUTATIONS, parsed?: Document): Mutated {
  const kind = rng.pick(classes)
  if (kind === 'bytes') return byteDamage(text, rng)
  const doc = parsed ? parsed.clone() : parseDocument(text)
  const nodes = collect(doc)
  if (nodes.length === 0) return { bytes: Buffer.from(text), what: `${kind}: nothing to mutate` }
  const target = rng.pick(nodes)
  const at = target.path.join('/') || '(root)'
  switch (kind) {
    case 'type':
      replace(doc, target, doc.createNode(rng.pick(SCALARS)))
      return out(doc, `type at /${at}`)
    case 'delete': {
      const parent = target.parent
      if (parent && (isMap(parent) || isSeq(parent))) parent.items.splice(target.index, 1)
      else doc.contents = null
      return out(doc, `delete /${at}`)
    }
    case 'duplicate': {
      const maps = nodes.filter((n) => isMap(n.node) && n.node.items.length > 0)
      if (maps.length === 0) return out(doc, 'duplicate: no map')
      const m = rng.pick(maps)
      const map = m.node as YAMLMap
      const pair = rng.pick(map.items)
      map.items.push(new Pair(doc.createNode(isScalar(pair.key) ? pair.key.value : 'k'), doc.createNode(rng.pick(SCALARS))))
      return out(doc, `duplicate key in /${m.path.join('/')}`)
    }
    case 'unicode':
      return spliceScalar(doc, nodes, rng, rng.pick(UNICODE), 'unicode')
    case 'long': {
      const n = rng.pick([100, 1_000, 70_000, rng.chance(0.1) ? 5_000_000 : 300_000])
      const unit = rng.pick(['x', 'é', '😀', ' a'])
      // Written into the text rather than printed by the library, whose escaping scan of a scalar
      // of hundreds of kilobytes cost more than the lint of it. A leading space needs quotes.
      const long = unit.repeat(n)
      return spliceAt(doc, target, unit.startsWith(' ') ? `"${long}"` : long, `long (${n}) at /${at}`)
    }
    case 'nest': {
      const depth = rng.pick([50, 500, 5_000])
      const open = rng.chance(0.5) ? '[' : '{a: '
      const close = open === '[' ? ']' : '}'
      return spliceScalar(doc, nodes, rng, `${open.repeat(depth)}1${close.repeat(depth)}`, `nest (${depth})`)
    }
    case 'anchor':
      return anchors(doc, nodes, rng)
    case 'swap': {
      const node = target.node
      if (isMap(node)) replace(doc, target, seqOf(doc, node))
      else if (isSeq(node)) replace(doc, target, mapOf(doc, node))
      else replace(doc, target, doc.createNode(rng.chance(0.5) ? [target.value] : { value: target.value }))
      return out(doc, `swap at /${at}`)
    }
  }
}

interface Located {
  node: Node
  parent: Node | null
  /** Position in the parent's items. */
  index: number
  path: string[]
  value: unknown
}

function collect(doc: Document): Located[] {
  const found: Located[] = []
  const walk = (node: unknown, parent: Node | null, index: number, path: string[]) => {
    if (!node || typeof node !== 'object') return
    const n = node as Node
    found.push({ node: n, parent, index, path, value: isScalar(n) ? n.value : undefined })
    if (isMap(n)) n.items.forEach((p, i) => walk(p.value, n, i, [...path, isScalar(p.key) ? String(p.key.value) : '?']))
    else if (isSeq(n)) n.items.forEach((item, i) => walk(item, n, i, [...path, String(i)]))
  }
  walk(doc.contents, null, 0, [])
  return found
}

function replace(doc: Document, target: Located, node: Node): void {
  const parent = target.parent
  if (parent && isMap(parent)) {
    const pair = parent.items[target.index]
    if (isPair(pair)) pair.value = node
  } else if (parent && isSeq(parent)) parent.items[target.index] = node
  else doc.contents = node as never
}

function seqOf(doc: Document, map: YAMLMap): YAMLSeq {
  const seq = new YAMLSeq()
  for (const p of map.items) seq.items.push(p.value ?? doc.createNode(null))
  return seq
}

function mapOf(doc: Document, seq: YAMLSeq): YAMLMap {
  const map = new YAMLMap()
  seq.items.forEach((item, i) => map.items.push(new Pair(doc.createNode(String(i)), item)))
  return map
}

function out(doc: Document, what: string): Mutated {
  return { bytes: Buffer.from(print(doc)), what }
}

function print(doc: Document): string {
  try {
    return doc.toString({ lineWidth: 0 })
  } catch (err) {
    // A mutation the library will not print: an empty document, which lint must take too.
    return `# ${err instanceof Error ? err.message.split('\n')[0] : 'unprintable'}\n`
  }
}

/** Puts YAML source text where `target` was. */
function spliceAt(doc: Document, target: Located, source: string, what: string): Mutated {
  const marker = '__fuzz_splice__'
  replace(doc, target, new Scalar(marker))
  return { bytes: Buffer.from(print(doc).replace(marker, () => source)), what }
}

/** Replaces a scalar's value with YAML source text, so escapes and flow syntax reach the parser as written. */
function spliceScalar(doc: Document, nodes: Located[], rng: Rng, source: string, what: string): Mutated {
  const scalars = nodes.filter((n) => isScalar(n.node) && n.parent !== null)
  if (scalars.length === 0) return out(doc, `${what}: no scalar`)
  const target = rng.pick(scalars)
  const marker = `__fuzz_${rng.int(1e9)}__`
  replace(doc, target, new Scalar(marker))
  const text = doc.toString({ lineWidth: 0 }).replace(marker, () => source)
  return { bytes: Buffer.from(text), what: `${what} at /${target.path.join('/')}` }
}

function anchors(doc: Document, nodes: Located[], rng: Rng): Mutated {
  const choice = rng.int(3)
  if (nodes.length < 2) return out(doc, 'anchor: nothing')
  if (choice === 0) {
    // An alias to a node that exists, somewhere it does not belong.
    // The anchor must come first: nodes are collected in document order.
    const t = 1 + rng.int(nodes.length - 1)
    const target = nodes[t] as Located
    const source = nodes[rng.int(t)] as Located
    if (target.path.join('/').startsWith(source.path.join('/'))) return out(doc, 'anchor: inside itself')
    const alias = doc.createAlias(source.node as never, 'a1')
    replace(doc, target, alias as never)
    return out(doc, `alias of /${source.path.join('/')} at /${target.path.join('/')}`)
  }
  if (choice === 1) return spliceScalar(doc, nodes, rng, '*undefined_anchor', 'undefined alias')
  // An alias to a huge node, repeated: a "billion laughs" within a few lines.
  const levels = ['&l0 [x, x, x, x, x, x, x, x, x, x]']
  for (let i = 1; i < 9; i++) levels.push(`&l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`)
  return spliceScalar(doc, nodes, rng, `[${levels.join(', ')}]`, 'alias bomb')
}

function byteDamage(text: string, rng: Rng): Mutated {
  const bytes = Buffer.from(text)
  const at = rng.int(bytes.length + 1)
  switch (rng.int(5)) {
    case 0:
      return { bytes: bytes.subarray(0, at), what: `cut at byte ${at}` }
    case 1:
      return { bytes: Buffer.concat([bytes.subarray(0, at), Buffer.from('\t'), bytes.subarray(at)]), what: `tab at byte ${at}` }
    case 2:
      return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]), what: 'BOM' }
    case 3: {
      const bad = rng.pick([[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0x00]])
      return {
        bytes: Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]),
        what: `bytes ${bad.join(',')} at ${at}`,
      }
    }
    default: {
      // A line lost in the middle: indentation and structure both suffer.
      const lines = text.split('\n')
      lines.splice(rng.int(lines.length), 1)
      return { bytes: Buffer.from(lines.join('\n')), what: 'line deleted' }
    }
  }
}
