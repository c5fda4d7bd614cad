import { RISK_LEVELS } from '@countersign/domain';
import type { RiskReport } from '@countersign/read-models';
import { arrayOf, integer, objectOf, oneOfValues, string, timestamp, type Schema } from '../openapi/schema-builders.js';

const count = (description?: string) => integer({ minimum: 0, ...(description ? { description } : {}) });
const countsBy = (description: string): Schema => ({ type: 'object', additionalProperties: count(), description });

export const RISK_REPORT_SCHEMAS: Record<string, Schema> = {
  RiskReport: objectOf<RiskReport>(
    {
      from: timestamp('requests at or after'),
      to: timestamp('requests before'),
      totals: objectOf<RiskReport['totals']>({
        mutations: count(),
        blastRadius: count('the sum of estimated blast radii'),
        byRiskLevel: countsBy('mutations per risk level (low, medium, high, critical)'),
        byStatus: countsBy('mutations per status'),
      }),
      byDay: arrayOf(
        objectOf<RiskReport['byDay'][number]>({
          day: string({ format: 'date', description: 'UTC' }),
          riskLevel: oneOfValues(RISK_LEVELS),
          category: string(),
          mutations: count(),
          blastRadius: count(),
        }),
      ),
      byCategory: arrayOf(objectOf<RiskReport['byCategory'][number]>({ category: string(), riskLevel: oneOfValues(RISK_LEVELS), mutations: count(), blastRadius: count() })),
      topActors: arrayOf(objectOf<RiskReport['topActors'][number]>({ actorId: string(), actorKind: string(), highOrCritical: count(), mutations: count() }), {
        maxItems: 10,
        description: 'most high or critical mutations first',
      }),
      topStates: arrayOf(objectOf<RiskReport['topStates'][number]>({ stateType: string(), stateId: string(), highOrCritical: count(), mutations: count() }), { maxItems: 10 }),
    },
    { description: 'counts by risk level, category and day; top actors and states by high/critical; blast radius totals' },
  ),
};
