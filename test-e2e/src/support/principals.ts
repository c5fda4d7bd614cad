import type { Principal } from '@countersign/runtime';

/** Fixed principals for black-box tests: one per role the example contracts use. */
export const TEST_PRINCIPALS = {
  alice: { id: 'alice', kind: 'human', roles: ['operator'], token: 'test-token-alice-0000000001' },
  bob: { id: 'bob', kind: 'human', roles: ['release-manager'], token: 'test-token-bob-000000000002' },
  carol: { id: 'carol', kind: 'human', roles: ['risk-officer'], token: 'test-token-carol-0000000003' },
  bot: { id: 'deploy-bot', kind: 'service', roles: ['operator'], token: 'test-token-bot-000000000004' },
  agent: { id: 'copilot', kind: 'agent', roles: ['operator'], token: 'test-token-agent-0000000005' },
} satisfies Record<string, Principal>;

export type TestPrincipalName = keyof typeof TEST_PRINCIPALS;
