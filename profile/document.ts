/**
 * The DUT profile as written, i.e. what a schema-valid `dut.yaml` contains: the typed profile of
 * profile-types.ts without `file`/`source`, with the fields the schema lets a supplier omit
 * (those with defaults) still optional. The adapter kind decides the shape of `operations`.
 */
import type { Operation, SettingChange } from '../core/dut.ts'
import type {
  EmulatorRoute, Extract, HttpAdapterConfig, ImageRef, MechanismDrive, MqttAdapterConfig, MqttOperationMap,
  OperationMap, OutcomeStates, PreparedAttack, RequestTemplate, SerialAdapterConfig, SerialExchange,
  SerialOperationMap, UpdateServerConfig,
} from './types.ts'

type Loose<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>

export interface WrittenTimeouts {
  defaultMs?: number
  operations?: Partial<Record<Operation, number>>
}

export type DutDocument = DutDocumentCommon & (
  | { adapter: WrittenHttpAdapter; operations: WrittenOperations }
  | { adapter: WrittenMqttAdapter; operations: WrittenMqttOperations }
  | { adapter: WrittenSerialAdapter; operations: WrittenSerialOperations }
)

export interface DutDocumentCommon {
  $schema?: string
  name: string
  timeScale?: number
  observationSeconds?: number
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

// --- HTTP ---------------------------------------------------------------------------------------

export type WrittenHttpAdapter = Omit<HttpAdapterConfig, 'lenient' | 'timeouts'> & { lenient?: boolean; timeouts?: WrittenTimeouts }

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

// --- MQTT ---------------------------------------------------------------------------------------

export type WrittenMqttAdapter = Loose<Omit<MqttAdapterConfig, 'timeouts'>, 'qos'> & { timeouts?: WrittenTimeouts }

type MqttRestart = NonNullable<MqttOperationMap['reboot']>

export interface WrittenMqttOperations extends Omit<MqttOperationMap, 'read-outcome' | 'reboot' | 'factory-reset' | 'restore'> {
  'read-outcome'?: Omit<NonNullable<MqttOperationMap['read-outcome']>, 'states' | 'timeoutMs'> & { states: WrittenStates; timeoutMs?: number }
  reboot?: Loose<MqttRestart, 'readyTimeoutMs'>
  'factory-reset'?: Loose<MqttRestart, 'readyTimeoutMs'>
  restore?: Loose<MqttRestart, 'readyTimeoutMs'>
}

// --- serial -------------------------------------------------------------------------------------

export type WrittenSerialAdapter = Loose<
  Omit<SerialAdapterConfig, 'timeouts'>,
  'baudRate' | 'dataBits' | 'parity' | 'stopBits' | 'lineEnding'
> & { timeouts?: WrittenTimeouts }

type SerialRestart = SerialExchange & { readyTimeoutMs?: number }

export interface WrittenSerialOperations extends Omit<SerialOperationMap, 'read-outcome' | 'reboot' | 'factory-reset' | 'restore'> {
  'read-outcome'?: Omit<SerialExchange, 'timeoutMs'> & { states: WrittenStates; intervalMs?: number; timeoutMs?: number }
  reboot?: SerialRestart
  'factory-reset'?: SerialRestart
  restore?: SerialRestart
}
