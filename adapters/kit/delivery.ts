/**
 * Which delivery hands an image over, the same on every channel: `operations.deliver-image`, or
 * the named one of `operations.deliveries` a mechanism drives (`DeliverOptions.delivery`).
 */
import { DutError, notDeclared, type DeliverOptions } from '../../core/dut.ts'

/** The part of a channel's operation map a delivery is chosen from; `D` is the channel's delivery shape. */
export interface DeliveryMap<D> {
  'deliver-image'?: D
  deliveries?: Record<string, D>
}

/** The delivery's settings; E_DUT_NOT_DECLARED when the profile declares no such delivery. */
export function deliveryConfig<D>(operations: DeliveryMap<D>, options: DeliverOptions = {}): D {
  const name = options.delivery
  if (name === undefined) {
    const cfg = operations['deliver-image']
    if (!cfg) throw notDeclared('deliver-image')
    return cfg
  }
  const deliveries = operations.deliveries ?? {}
  // Own properties only: a name like `constructor` is no delivery.
  const cfg = Object.hasOwn(deliveries, name) ? deliveries[name] : undefined
  if (cfg) return cfg
  const known = Object.keys(deliveries)
  throw new DutError(
    'E_DUT_NOT_DECLARED',
    'deliver-image',
    `delivery "${name}" not declared in the DUT profile (operations.deliveries ${known.length ? `has ${known.map((k) => `"${k}"`).join(', ')}` : 'is empty'})`,
  )
}
