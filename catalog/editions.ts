import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { parse } from 'yaml'
import { Ts701Error } from '../core/errors.ts'
import type { Edition } from './types.ts'

export const DEFAULT_EDITION = 'en303645-v3.1.3'

const EDITIONS_DIR = fileURLToPath(new URL('./editions/', import.meta.url))

export class UnknownEditionError extends Ts701Error {
  constructor(id: string, known: string[]) {
    super('E_EDITION', `unknown standard "${id}" (known: ${known.join(', ')})`)
  }
}

/** Editions are discovered from the data folder, so adding one means adding a YAML file. */
export function listEditions(): string[] {
  return readdirSync(EDITIONS_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort()
}

const cache = new Map<string, Edition>()

export function loadEdition(id: string = DEFAULT_EDITION): Edition {
  const cached = cache.get(id)
  if (cached) return cached
  const known = listEditions()
  if (!known.includes(id)) throw new UnknownEditionError(id, known)
  const edition = parse(readFileSync(join(EDITIONS_DIR, `${id}.yaml`), 'utf8')) as Edition
  // The data file keys conditions by ID; carrying the ID inside keeps messages self-contained.
  for (const [key, condition] of Object.entries(edition.conditions)) condition.id = key
  cache.set(id, edition)
  return edition
}
