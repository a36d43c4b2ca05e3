/**
 * What the report's cover names besides the verdicts: the ts701 version, the lab and assessors,
 * the DUT as its documents declare it, and every input document by its SHA-256, so a reader can
 * tell which ICS, IXIT, decisions and profile the verdicts were drawn from.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { discoverDocuments } from '../ixit/discover.ts'
import type { Assessment } from '../ixit/types.ts'
import type { InputDocument, RunMeta } from '../core/verdict.ts'
import { packageFile } from '../core/package-root.ts'

/** Who ran the assessment, as the lab says on the command line. */
export interface RunPeople {
  lab?: string
  assessors?: string[]
}

async function ts701Version(): Promise<string> {
  const pkg = JSON.parse(await readFile(packageFile('package.json'), 'utf8')) as { version?: string }
  return pkg.version ?? 'unknown'
}

async function hashed(kind: string, path: string): Promise<InputDocument> {
  return {
    kind,
    path,
    sha256: createHash('sha256')
      .update(await readFile(path))
      .digest('hex'),
  }
}

/** The documents an assessment was loaded from, and the DUT profile, hashed. */
export async function inputDocuments(assessment: Assessment, profileFile?: string): Promise<InputDocument[]> {
  const { files } = await discoverDocuments(assessment.dir)
  const listed: [string, string][] = [
    ...(files?.ics ? [['ics', files.ics] as [string, string]] : []),
    ...(files?.ixit ?? []).map((f): [string, string] => ['ixit', f]),
    ...(files?.decisions ? [['decisions', files.decisions] as [string, string]] : []),
    ...(profileFile ? [['profile', profileFile] as [string, string]] : []),
  ]
  return Promise.all(listed.map(([kind, path]) => hashed(kind, path)))
}

export async function runMeta(assessment: Assessment, inputs: InputDocument[], people: RunPeople = {}): Promise<RunMeta> {
  const decided = assessment.decisions.map((d) => d.assessor).filter((a): a is string => typeof a === 'string' && a !== '')
  return {
    ts701Version: await ts701Version(),
    ...(people.lab && { lab: people.lab }),
    assessors: [...new Set([...(people.assessors ?? []), ...decided])],
    inputs,
    declared: { modelDesignations: [...new Set(assessment.ixit['2-UserInfo'].map((u) => u.modelDesignation))] },
  }
}
