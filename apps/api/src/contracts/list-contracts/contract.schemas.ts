import { RISK_LEVELS, SIDE_EFFECT_SEVERITIES, type ContractDescription } from '@countersign/domain';
import { arrayOf, boolean, integer, jsonObject, nullable, objectOf, oneOfValues, ref, string, type Schema } from '../../openapi/schema-builders.js';

type TransitionDescription = ContractDescription['transitions'][number];
type SideEffectTypeDescription = ContractDescription['sideEffectTypes'][number];

export const CONTRACT_SCHEMAS: Record<string, Schema> = {
  Contract: objectOf<ContractDescription>(
    {
      stateType: string(),
      description: string(),
      stateSchema: jsonObject('the JSON Schema of the state document'),
      classification: objectOf<ContractDescription['classification']>(
        {
          category: string(),
          riskLevel: oneOfValues(RISK_LEVELS),
          sideEffectSeverity: oneOfValues(SIDE_EFFECT_SEVERITIES),
          tags: arrayOf(string()),
          estimatedBlastRadius: integer({ minimum: 0 }),
        },
        { description: 'the defaults every mutation of this contract starts from', optional: ['category', 'riskLevel', 'sideEffectSeverity', 'tags', 'estimatedBlastRadius'] },
      ),
      transitions: arrayOf(
        objectOf<TransitionDescription>(
          {
            name: string(),
            description: string(),
            creates: boolean('creates the state (only on a state that does not exist yet)'),
            reversible: boolean('a revert is possible'),
            compensatedBy: nullable(string({ description: 'the named transition that undoes it; null: the automatic inverse, or none' })),
            payloadSchema: jsonObject('the JSON Schema the payload must satisfy'),
          },
          { optional: ['description'] },
        ),
      ),
      policies: arrayOf(objectOf<ContractDescription['policies'][number]>({ name: string(), description: string() }, { optional: ['description'] })),
      sensitive: arrayOf(string(), { description: 'paths masked in exports' }),
      sideEffectTypes: arrayOf(
        objectOf<SideEffectTypeDescription>(
          {
            type: string(),
            description: string(),
            schema: jsonObject('the JSON Schema of its data'),
            compensated: boolean('a compensating side effect undoes it'),
          },
          { optional: ['description'] },
        ),
      ),
    },
    { description: 'a registered contract', optional: ['description'] },
  ),
  ContractList: objectOf<{ items: unknown }>({ items: arrayOf(ref('Contract')) }),
};
