import { defineContract, type Policy } from '@countersign/domain';

export interface FeatureFlagRule {
  id: string;
  segment: string;
  [key: string]: unknown;
}

export interface FeatureFlag {
  enabled: boolean;
  rollout: number;
  rules: FeatureFlagRule[];
  owner: string;
}

const ROLLOUT_JUMP_NEEDING_APPROVAL = 50;

const prodRolloutJump: Policy<FeatureFlag> = {
  name: 'prod-rollout-jump-needs-release-manager',
  description: `A rollout change of more than ${ROLLOUT_JUMP_NEEDING_APPROVAL} points on a flag tagged prod needs 1 approval by a release-manager.`,
  evaluate(input) {
    if (input.transition !== 'setRollout' || !input.classification.tags.includes('prod')) return { outcome: 'allow' };
    const before = input.before?.rollout ?? 0;
    const after = input.after.rollout;
    if (Math.abs(after - before) <= ROLLOUT_JUMP_NEEDING_APPROVAL) return { outcome: 'allow' };
    return {
      outcome: 'require',
      reason: `rollout moves ${Math.abs(after - before)} points on a prod flag`,
      requirements: [{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }],
    };
  },
};

const prodEnable: Policy<FeatureFlag> = {
  name: 'prod-enable-needs-release-manager',
  description: 'Switching on a flag tagged prod needs 1 approval by a release-manager.',
  evaluate(input) {
    if (input.transition !== 'enable' || !input.classification.tags.includes('prod') || input.before?.enabled === true) return { outcome: 'allow' };
    return {
      outcome: 'require',
      reason: 'switches on a prod flag',
      requirements: [{ kind: 'approval', steps: [{ role: 'release-manager', count: 1 }] }],
    };
  },
};

const agentsMayNotCreate: Policy<FeatureFlag> = {
  name: 'agents-may-not-create-flags',
  description: 'Principals of kind agent may not create feature flags.',
  evaluate(input) {
    return input.transition === 'create' && input.actor.kind === 'agent'
      ? { outcome: 'deny', reason: 'agents may not create feature flags' }
      : { outcome: 'allow' };
  },
};

const ruleSchema = {
  type: 'object',
  required: ['id', 'segment'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 100 },
    segment: { type: 'string', minLength: 1, maxLength: 200 },
  },
};

/** A feature flag: on/off, a percentage rollout and targeting rules. */
export const featureFlagContract = defineContract<FeatureFlag>({
  stateType: 'feature-flag',
  description: 'A feature flag with an on/off switch, a percentage rollout and targeting rules.',
  stateSchema: {
    type: 'object',
    required: ['enabled', 'rollout', 'rules', 'owner'],
    additionalProperties: false,
    properties: {
      enabled: { type: 'boolean' },
      rollout: { type: 'integer', minimum: 0, maximum: 100 },
      rules: { type: 'array', items: ruleSchema },
      owner: { type: 'string', minLength: 1 },
    },
  },
  classification: { category: 'feature-flag', riskLevel: 'low', sideEffectSeverity: 'low' },
  transitions: {
    create: {
      description: 'Create a disabled flag with rollout 0.',
      creates: true,
      payloadSchema: {
        type: 'object',
        required: ['owner'],
        additionalProperties: false,
        properties: { owner: { type: 'string', minLength: 1, maxLength: 200 } },
      },
      effects: ({ payload }: { payload: { owner: string } }) => [
        { op: 'set', path: '', value: { enabled: false, rollout: 0, rules: [], owner: payload.owner } },
      ],
    },
    enable: {
      description: 'Switch the flag on.',
      payloadSchema: { type: 'object', additionalProperties: false, properties: {} },
      effects: () => [{ op: 'set', path: 'enabled', value: true }],
      reversible: true,
    },
    disable: {
      description: 'Switch the flag off.',
      payloadSchema: { type: 'object', additionalProperties: false, properties: {} },
      effects: () => [{ op: 'set', path: 'enabled', value: false }],
      reversible: true,
      classification: { riskLevel: 'medium' },
    },
    setRollout: {
      description: 'Set the rollout percentage (0-100).',
      payloadSchema: {
        type: 'object',
        required: ['percentage'],
        additionalProperties: false,
        properties: { percentage: { type: 'integer', minimum: 0, maximum: 100 } },
      },
      effects: ({ payload }: { payload: { percentage: number } }) => [{ op: 'set', path: 'rollout', value: payload.percentage }],
      guards: [
        ({ state, payload }) =>
          payload.percentage > 0 && state?.enabled === false
            ? {
                message: 'a rollout above 0 on a disabled flag has no effect',
                suggestions: [{ message: 'enable the flag first, then set the rollout', transition: 'enable', payload: {} }],
              }
            : undefined,
      ],
      reversible: true,
      classification: ({ state, payload }) => ({
        riskLevel: Math.abs(payload.percentage - (state?.rollout ?? 0)) > ROLLOUT_JUMP_NEEDING_APPROVAL ? 'medium' : 'low',
      }),
    },
    addRule: {
      description: 'Add a targeting rule.',
      payloadSchema: { type: 'object', required: ['rule'], additionalProperties: false, properties: { rule: ruleSchema } },
      effects: ({ payload }: { payload: { rule: FeatureFlagRule } }) => [{ op: 'push', path: 'rules', value: payload.rule as never }],
      guards: [
        ({ state, payload }) =>
          state?.rules.some((rule) => rule.id === payload.rule.id)
            ? { message: `a rule with id "${payload.rule.id}" already exists`, suggestions: [{ message: 'remove the existing rule first', transition: 'removeRule', payload: { ruleId: payload.rule.id } }] }
            : undefined,
      ],
      // Undone by id rather than by position: rules added or removed since do not get in the way.
      compensation: { transition: 'removeRule', payload: ({ payload }: { payload: { rule: FeatureFlagRule } }) => ({ ruleId: payload.rule.id }) },
    },
    removeRule: {
      description: 'Remove a targeting rule by id.',
      payloadSchema: {
        type: 'object',
        required: ['ruleId'],
        additionalProperties: false,
        properties: { ruleId: { type: 'string', minLength: 1 } },
      },
      effects: ({ state, payload }: { state: FeatureFlag | null; payload: { ruleId: string } }) => {
        const index = state?.rules.findIndex((rule) => rule.id === payload.ruleId) ?? -1;
        return index < 0 ? [] : [{ op: 'removeAt', path: 'rules', index }];
      },
      guards: [
        ({ state, payload }) =>
          state?.rules.some((rule) => rule.id === payload.ruleId) ? undefined : { message: `no rule with id "${payload.ruleId}"` },
      ],
      reversible: true,
    },
  },
  policies: [agentsMayNotCreate, prodEnable, prodRolloutJump],
});
