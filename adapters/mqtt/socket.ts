import type { MqttClient } from 'mqtt'

/**
 * Sends each MQTT packet at once (TCP_NODELAY). mqtt.js leaves Nagle's algorithm on, and an
 * exchange writes small packets back to back (the PUBACK of one answer, then the next SUBSCRIBE),
 * so the second waited for the broker's delayed acknowledgement of the first: 40 ms on Linux, on
 * every exchange, with any broker. A WebSocket stream has no such switch and is left as it is.
 */
export function sendAtOnce(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined
  stream?.setNoDelay?.(true)
}
