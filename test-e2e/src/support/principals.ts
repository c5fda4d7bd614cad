import type { Principal } from '@countersign/runtime';

/** Fixed principals for black-box tests: one per role the example contracts use. */
export const TEST_PRINCIPALS = {
  alice: { id: 'alice', kind: 'human', roles: ['operator'], token: 'test-token-alice-0000000001' },
  bob: { id: 'bob', kind: 'human', roles: ['release-manager'], token: 'test-token-bob-000000000002' },
  carol: { id: 'carol', kind: 'human', roles: ['risk-officer'], token: 'test-token-carol-0000000003' },
  ravi: { id: 'ravi', kind: 'human', roles: ['risk-officer'], token: 'test-token-ravi-00000000006' },
  dave: { id: 'dave', kind: 'human', roles: ['cfo'], token: 'test-token-dave-00000000007' },
  erin: { id: 'erin', kind: 'human', roles: ['admin'], token: 'test-token-erin-00000000008' },
  scanner: { id: 'scan-bot', kind: 'service', roles: ['security-scanner'], token: 'test-token-scanner-00000009' },
  bot: { id: 'deploy-bot', kind: 'service', roles: ['operator'], token: 'test-token-bot-000000000004' },
  agent: { id: 'copilot', kind: 'agent', roles: ['operator'], token: 'test-token-agent-0000000005' },
} satisfies Record<string, Principal>;

export type TestPrincipalName = keyof typeof TEST_PRINCIPALS;
