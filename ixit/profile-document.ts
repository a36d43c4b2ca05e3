/**
 * The DUT profile as written, i.e. what a schema-valid `dut.yaml` contains: the typed profile of
 * profile-types.ts without `file`/`source`, with the fields the schema lets a supplier omit
 * (those with defaults) still optional.
 */
import type { Operation, SettingChange } from '../adapters/dut.ts'
import type {
  EmulatorRoute, Extract, HttpAdapterConfig, ImageRef, MechanismDrive, OperationMap, OutcomeStates,
  PreparedAttack, RequestTemplate, UpdateServerConfig,
} from './profile-types.ts'

type Loose<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>

export interface DutDocument {
  $schema?: string
  name: string
  adapter: Omit<HttpAdapterConfig, 'lenient' | 'timeouts'> & {
    lenient?: boolean
    timeouts?: { defaultMs?: number; operations?: Partial<Record<Operation, number>> }
  }
  timeScale?: number
  observationSeconds?: number
  operations: WrittenOperations
  mechanisms?: Record<string, MechanismDrive>
  updateServer?: Loose<Omit<UpdateServerConfig, 'routes'>, 'imagePath'> & { routes: EmulatorRoute[] }
  images?: {
    format: 'ts701' | 'raw'
    valid: ImageRef
    older?: ImageRef
    attacks?: Loose<PreparedAttack, 'expect'>[]
  }
  publications?: Array<{ from: string; to: string }>
}

type Restart = { request: RequestTemplate; readyTimeoutMs?: number }
type OutcomeExtract = { state: Extract; version?: Extract; detail?: Extract }
type WrittenStates = Loose<OutcomeStates, 'pending'>

export type WrittenOutcome =
  | { mode: 'poll'; request: RequestTemplate; extract: OutcomeExtract; states: WrittenStates; intervalMs?: number; timeoutMs?: number }
  | { mode: 'sse'; request: RequestTemplate; event?: string; extract: OutcomeExtract; states: WrittenStates; timeoutMs?: number }
  | { mode: 'websocket'; path: string; extract: OutcomeExtract; states: WrittenStates; timeoutMs?: number }
  | { mode: 'version'; settleMs: number; timeoutMs?: number }

export interface WrittenOperations extends Omit<OperationMap, 'read-outcome' | 'reboot' | 'factory-reset' | 'restore' | 'change-settings'> {
  'change-settings'?: Partial<Record<SettingChange, RequestTemplate>>
  'read-outcome'?: WrittenOutcome
  reboot?: Restart
  'factory-reset'?: Restart
  restore?: Restart
}
