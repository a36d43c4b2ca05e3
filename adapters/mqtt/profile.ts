/**
 * The MQTT channel's part of the DUT profile: a device driven through an MQTT broker. Its adapter
 * settings and operation map (types here, schema in profile-schema.json), checks
 * (profile-checks.ts), secrets and adapter.
 */
import type { SettingChange } from '../../core/dut.ts'
import type { ChannelDescriptor } from '../../profile/channel.ts'
import type { AdapterTimeouts, DutProfileCommon, Extract, OutcomeStates } from '../../profile/types.ts'
import type { ReceiptTable } from '../kit/receipt.ts'
import { checkMqtt } from './profile-checks.ts'
import schema from './profile-schema.json' with { type: 'json' }

export interface MqttDutProfile extends DutProfileCommon {
  adapter: MqttAdapterConfig
  operations: MqttOperationMap
}

export interface MqttAdapterConfig {
  kind: 'mqtt'
  /** Broker URL: `mqtt://`, `mqtts://` or `ws://` on a loopback host. */
  url: string
  clientId?: string
  auth?: { username: string; passwordEnv: string }
  /** For `mqtts://`: the CA to trust, and a client certificate and key where the broker wants one. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string }
  /** QoS of publishes and subscriptions unless an exchange says otherwise. */
  qos: 0 | 1 | 2
  timeouts: AdapterTimeouts
}

/**
 * A message ts701 publishes. Payload templates know `{{requestId}}` (fresh per exchange, for
 * correlating the reply) and, for deliveries, the `{{image.…}}` placeholders.
 */
export interface MqttPublish {
  topic: string
  payload: string
  /** Default: the adapter's qos. */
  qos?: 0 | 1 | 2
  retain?: boolean
}

/** The message that answers an exchange: the first on `topic` (a filter) that matches. */
export interface MqttReply {
  topic: string
  /** JSON pointer whose value must equal the (templated) string, or a regex over the payload. */
  match?: { pointer: string; equals: string } | { regex: string }
  /** Accept a retained message already on the topic (state topics), instead of waiting for a new one. */
  retained?: boolean
}

/** Publish (optional) then await the reply (optional), extracting values from the reply. */
export interface MqttExchange {
  publish?: MqttPublish
  reply?: MqttReply
}

/** One way of handing the device an image over MQTT. */
export type MqttDelivery =
  /** The device is told where to fetch the image (served by the update-server emulator). */
  | (MqttExchange & { mode: 'url'; publish: MqttPublish; extract?: { accepted?: Extract; message?: Extract }; receipt?: ReceiptTable })
  /**
   * The image itself goes over MQTT in chunks: `begin`, then one message per chunk on `topic`
   * (`{{chunk.index}}`, `{{chunk.total}}` in the topic; payload raw or base64), then `end`.
   */
  | {
      mode: 'chunks'
      begin?: MqttPublish
      topic: string
      chunkBytes: number
      encoding: 'binary' | 'base64'
      end?: MqttPublish
      reply?: MqttReply
      extract?: { accepted?: Extract; message?: Extract }
      /** Which values of `extract.accepted` mean yes and no; without it, the shared verdict words. */
      receipt?: ReceiptTable
    }

export interface MqttOperationMap {
  identify?: MqttExchange & { reply: MqttReply; extract: { model: Extract; version: Extract } }
  'read-settings'?: MqttExchange & { reply: MqttReply; extract: { automaticUpdates?: Extract; notifications?: Extract } }
  'change-settings'?: Partial<Record<SettingChange, MqttExchange & { publish: MqttPublish }>>
  'deliver-image'?: MqttDelivery
  /** Named deliveries beside `deliver-image`, for mechanisms that name one (`mechanisms.<id>.delivery`). */
  deliveries?: Record<string, MqttDelivery>
  'read-outcome'?: {
    publish?: MqttPublish
    reply: MqttReply
    extract: { state: Extract; version?: Extract; detail?: Extract }
    states: OutcomeStates
    timeoutMs: number
  }
  'read-notifications'?: MqttExchange & { reply: MqttReply; extract: { items: Extract; text: Extract; kind?: Extract; time?: Extract } }
  'check-now'?: MqttExchange & { publish: MqttPublish }
  reboot?: MqttExchange & { publish: MqttPublish; readyTimeoutMs: number }
  'factory-reset'?: MqttExchange & { publish: MqttPublish; readyTimeoutMs: number }
  restore?: MqttExchange & { publish: MqttPublish; readyTimeoutMs: number }
}

export const mqtt: ChannelDescriptor<MqttDutProfile> = {
  kind: 'mqtt',
  schema,
  files: ['caFile', 'certFile', 'keyFile'].map((key) => ['adapter', 'tls', key]),
  check: checkMqtt,
  secretEnv: (adapter) => [adapter.auth?.passwordEnv],
  // Loaded when a run drives a device this way, not when a profile is loaded or linted.
  create: async (profile, options) => (await import('./index.ts')).createMqttDut(profile, options),
}
