/**
 * Which editions the catalog holds, without loading any: the CLI lists them in its options, and
 * its start-up should not pay for parsing and validating the catalog.
 */
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const DEFAULT_EDITION = 'en303645-v3.1.3'

export const EDITIONS_DIR = fileURLToPath(new URL('./editions/', import.meta.url))
/** Not an edition: the content the edition files are written against. */
export const BASE_FILE = 'base.yaml'

/** Editions are discovered from the data folder, so adding one means adding a YAML file. */
export function listEditions(options: { dir?: string } = {}): string[] {
  return readdirSync(options.dir ?? EDITIONS_DIR)
    .filter((name) => name.endsWith('.yaml') && name !== BASE_FILE)
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort()
}
