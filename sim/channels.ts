/** How the lab talks to the device: its HTTP API, its MQTT client, or its serial console. */
export type Channel = 'http' | 'mqtt' | 'serial'
export const CHANNELS: readonly Channel[] = ['http', 'mqtt', 'serial']
