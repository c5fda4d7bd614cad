/** One delivery attempt of a side effect; the body a deliverer sends must not depend on the attempt. */
export interface SideEffectDelivery {
  deliveryId: string;
  type: string;
  data: unknown;
  mutationId: string;
  stateType: string;
  stateId: string;
  compensates: string | null;
  emittedAt: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export type DeliveryResult = { ok: true; status: number | null } | { ok: false; status: number | null; error: string };

/** Delivers side effects to the outside world (at least once: the receiver deduplicates by delivery id). */
export interface SideEffectDeliverer {
  /** The types this deliverer has a destination for; `'*'` when it takes any type. */
  types(): readonly string[] | '*';
  deliver(delivery: SideEffectDelivery): Promise<DeliveryResult>;
}

export const SIDE_EFFECT_DELIVERER = Symbol('SIDE_EFFECT_DELIVERER');
