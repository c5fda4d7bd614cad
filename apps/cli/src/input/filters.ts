import type { paths } from '@countersign/client';
import { integerFlag, keyValue } from './values.js';

/** The filter flags of `list` and `export`: every filter of GET /v1/mutations. */
export interface FilterOptions {
  actor?: string;
  actorKind?: string;
  status?: string;
  stateType?: string;
  stateId?: string;
  transition?: string;
  category?: string;
  risk?: string;
  severity?: string;
  tag?: string[];
  tags?: string[];
  metadata?: string[];
  blastMin?: string;
  blastMax?: string;
  from?: string;
  to?: string;
  timeField?: string;
  q?: string;
}

export type MutationQuery = NonNullable<paths['/v1/mutations']['get']['parameters']['query']>;

/** The query of the filters given; `--tags a,b` and `--tags a --tags b` both mean all of a and b. */
export function filterQuery(options: FilterOptions): MutationQuery {
  const query: MutationQuery = {};
  if (options.actor !== undefined) query.actor = options.actor;
  if (options.actorKind !== undefined) query.actorKind = options.actorKind as MutationQuery['actorKind'];
  if (options.status !== undefined) query.status = options.status as MutationQuery['status'];
  if (options.stateType !== undefined) query.stateType = options.stateType;
  if (options.stateId !== undefined) query.stateId = options.stateId;
  if (options.transition !== undefined) query.transition = options.transition;
  if (options.category !== undefined) query.category = options.category;
  if (options.risk !== undefined) query.riskLevel = options.risk as MutationQuery['riskLevel'];
  if (options.severity !== undefined) query.sideEffectSeverity = options.severity as MutationQuery['sideEffectSeverity'];
  if (options.tag?.length) query.tag = options.tag;
  const allOf = (options.tags ?? []).flatMap((value) => value.split(',')).filter((tag) => tag !== '');
  if (allOf.length > 0) query.tags = allOf;
  if (options.metadata?.length) query.metadata = Object.fromEntries(options.metadata.map((pair) => keyValue('--metadata', pair)));
  const blastMin = integerFlag('--blast-min', options.blastMin);
  const blastMax = integerFlag('--blast-max', options.blastMax);
  if (blastMin !== undefined) query.blastRadiusMin = blastMin;
  if (blastMax !== undefined) query.blastRadiusMax = blastMax;
  if (options.from !== undefined) query.from = options.from;
  if (options.to !== undefined) query.to = options.to;
  if (options.timeField !== undefined) query.timeField = options.timeField as MutationQuery['timeField'];
  if (options.q !== undefined) query.q = options.q;
  return query;
}
