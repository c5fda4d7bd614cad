// An example contract module (docs/contracts.md): start Countersign with
// COUNTERSIGN_CONTRACTS_DIR=docs/examples/contracts to register it, or check it offline with
// `countersign validate docs/examples/contracts` (docs/cli.md).
import { defineContract, type Policy } from '@countersign/domain';

interface Quota {
  tenant: string;
  limit: number;
}

const bigJumpsNeedApproval: Policy<Quota> = {
  name: 'quota-jump-needs-capacity-planner',
  evaluate: ({ before, after }) =>
    after.limit - (before?.limit ?? 0) > 1000 ? { outcome: 'require', requirements: [{ kind: 'approval', steps: [{ role: 'capacity-planner', count: 1 }] }] } : { outcome: 'allow' },
};

export const tenantQuota = defineContract<Quota>({
  stateType: 'tenant-quota',
  stateSchema: {
    type: 'object',
    required: ['tenant', 'limit'],
    additionalProperties: false,
    properties: { tenant: { type: 'string' }, limit: { type: 'integer', minimum: 0 } },
  },
  classification: { category: 'capacity', riskLevel: 'low' },
  transitions: {
    create: {
      creates: true,
      payloadSchema: { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string' } } },
      effects: ({ payload }: { payload: { tenant: string } }) => [{ op: 'set', path: '', value: { tenant: payload.tenant, limit: 0 } }],
    },
    setLimit: {
      payloadSchema: { type: 'object', required: ['limit'], properties: { limit: { type: 'integer', minimum: 0 } } },
      effects: ({ payload }: { payload: { limit: number } }) => [{ op: 'set', path: 'limit', value: payload.limit }],
      guards: [({ state, payload }) => (payload.limit === state?.limit ? { message: 'the limit is already that value' } : undefined)],
      reversible: true,
    },
  },
  policies: [bigJumpsNeedApproval],
});
