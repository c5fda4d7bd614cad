import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { RUNTIME_CONFIG, type CountersignConfig } from '../config/countersign-config.js';
import type { DeliveryResult, SideEffectDelivery, SideEffectDeliverer } from './side-effect-deliverer.port.js';

export const SIGNATURE_HEADER = 'x-countersign-signature';

/** `sha256=<hex HMAC-SHA256 of the raw body with the secret>`: what the X-Countersign-Signature header carries. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The JSON body of a webhook call: the same for every attempt of a delivery. */
export function webhookBody(delivery: SideEffectDelivery): string {
  const { deliveryId, type, data, mutationId, stateType, stateId, compensates, emittedAt } = delivery;
  return JSON.stringify({ deliveryId, type, data, mutationId, stateType, stateId, compensates, emittedAt });
}

/**
 * The built-in deliverer: POSTs each side effect as JSON to the URL configured for its type
 * (COUNTERSIGN_WEBHOOKS), signed with HMAC-SHA256 (COUNTERSIGN_WEBHOOK_SECRET). A 2xx answer
 * is a delivery; anything else, a network error or the timeout is a failed attempt.
 */
@Injectable()
export class WebhookDeliverer implements SideEffectDeliverer {
  constructor(@Inject(RUNTIME_CONFIG) private readonly config: CountersignConfig) {}

  types(): readonly string[] | '*' {
    return Object.hasOwn(this.config.webhooks, '*') ? '*' : Object.keys(this.config.webhooks);
  }

  async deliver(delivery: SideEffectDelivery): Promise<DeliveryResult> {
    const url = this.config.webhooks[delivery.type] ?? this.config.webhooks['*'];
    if (!url) return { ok: false, status: null, error: `no webhook is configured for ${delivery.type}` };
    const body = webhookBody(delivery);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'countersign-webhooks',
          'x-countersign-delivery': delivery.deliveryId,
          'x-countersign-side-effect': delivery.type,
          'x-countersign-attempt': String(delivery.attempt),
          [SIGNATURE_HEADER]: signBody(body, this.config.webhookSecret ?? ''),
        },
        body,
        signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
        redirect: 'manual',
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { ok: false, status: null, error: error instanceof Error ? `${error.name}: ${error.message}${cause ? ` (${cause})` : ''}` : String(error) };
    }
  }
}
