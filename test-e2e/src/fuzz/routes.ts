import fc from 'fast-check';
import { badDuration, badInstant, hugeDuration, hugeNumber, notANonNegativeInteger, notAUuid, oddString, tooLong, unknownUuid } from './hostile-values.js';
import { doc, longArray, type JsonDocument, type JsonPath } from './json-document.js';

/**
 * Every route of the API (apps/api/src controllers, docs/api.md) as the fuzzer sees it: its
 * path parameters, query parameters and body fields, with valid values to start from and
 * values that are definitely invalid. `routes.spec.ts` checks this list against the controllers.
 */

/** What exists on the system under test: ids the fuzzer aims malformed requests at. */
export interface Targets {
  /** A feature flag and a credit line that exist. */
  flag: string;
  credit: string;
  /** An applied, reversible mutation (revert target). */
  appliedMutationId: string;
  /** A mutation pending an approval. */
  pendingMutationId: string;
  /** A mutation pending an external check, and the check's name. */
  pendingCheck: { mutationId: string; name: string };
  /** A batch pending an approval. */
  pendingBatchId: string;
  /** A side effect (a dead letter on the fuzzer's own system). */
  deliveryId: string;
}

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

export interface BodyField {
  path: JsonPath;
  type: FieldType;
  required?: boolean;
  /** Values of the right type that are still invalid: too long, out of range, off the pattern, unknown. */
  invalid?: fc.Arbitrary<JsonDocument>;
  /** Where a NUL or lone surrogate can go: the string itself, each item, or any key or value inside. */
  text?: 'value' | 'items' | 'inside';
  /** Free text of at most this length: valid odd strings may go here as noise. */
  noise?: number;
}

export interface BodySpec {
  /** No body at all is a valid request (cancel): the fuzzer always sends a broken one. */
  optional?: boolean;
  templates: (targets: Targets) => Record<string, unknown>[];
  fields: BodyField[];
  /** Optional fields whose `null` gets probed on a dry run (one rule for all, BRIEF §4). */
  nullProbes?: string[];
}

export interface PathParam {
  /** The value to use when another part of the request is the broken one. */
  valid: (targets: Targets) => string;
  /** Raw (percent-encoded) segments that are definitely refused. */
  invalid: fc.Arbitrary<string>;
  /** Raw segments that are odd but may name nothing without being wrong (a read answers them, 404 or 200). */
  odd?: fc.Arbitrary<string>;
  /** The names a 400 for this parameter may use. */
  names: string[];
}

export interface QueryParam {
  name: string;
  /** Raw (percent-encoded) values that are definitely refused. */
  invalid: fc.Arbitrary<string>;
  /** Raw values that are valid but hostile (a read answered, never a 5xx). */
  odd?: fc.Arbitrary<string>;
  /** A text parameter: a NUL in it is refused. */
  text?: boolean;
  /** May be given more than once (`tag=a&tag=b`). */
  repeatable?: boolean;
}

export interface RouteSpec {
  method: 'GET' | 'POST';
  route: string;
  public?: boolean;
  params?: Record<string, PathParam>;
  /** `ignored`: the route reads no query parameters. */
  query: QueryParam[] | 'ignored';
  /** POST only; `ignored`: the route reads no body. */
  body?: BodySpec | 'ignored';
  /** Query text every request starts with (the export's required `format`). */
  baseQuery?: fc.Arbitrary<string>;
  /** The handler checks the caller's role before it validates its path: a 403 is as right as a 400. */
  roleCheckedFirst?: boolean;
}

const encode = (value: string) => encodeURIComponent(value);

// ---- values shared by many routes

const badEnum = fc.constantFrom('LOW', 'extreme', '', ' low', 'low ', 'low,high', '__proto__', 'toString', 'constructor', 'null', '0');
const badEnumDoc = badEnum.map(doc);

const stateTypeInvalid = fc.oneof(
  fc.constantFrom('Feature-Flag', '', 'feature_flag', 'a'.repeat(64), '-flag', '1flag', 'feature-flag ', ' feature-flag', 'feature-flag\n').map(doc),
  oddString.map(doc),
  fc.constantFrom('fuzz-unknown-contract', 'fuzz-warp-drive').map(doc),
);
const stateIdInvalid = fc.oneof(fc.constantFrom('', '.x', '-x', 'a b', 'a/b', 'a\\b', 'x'.repeat(201), 'a,b', 'a#b', 'a?b').map(doc), oddString.map(doc));
const transitionInvalid = fc.constantFrom('', 'x'.repeat(65), 'fuzzUnknownTransition', 'Disable', '__proto__', 'constructor', 'toString', 'hasOwnProperty').map(doc);
const tagsInvalid = fc.oneof(
  fc.constantFrom([''], ['a b'], ['-x'], ['.x'], ['x'.repeat(65)], [1], [null], [['nested']], [{ tag: 'x' }]).map(doc),
  oddString.map((tag) => doc([tag])),
  fc.constant(longArray(doc('fuzz'), 51)),
);
const dependsOnInvalid = fc.oneof(
  notAUuid.map((id) => doc([id])),
  unknownUuid.map((id) => doc([id, id])),
  unknownUuid.map((id) => doc([id])),
  unknownUuid.map((id) => longArray(doc(id), 101)),
  fc.constantFrom([1], [null], [[]], [{}]).map(doc),
);
const integerInvalid = fc.oneof(notANonNegativeInteger, hugeNumber);

/** The submit envelope's fields (SubmitMutationDto); batch steps share most of them. */
function envelopeFields(at: JsonPath, options: { step: boolean }): BodyField[] {
  const fields: BodyField[] = [
    { path: [...at, 'stateType'], type: 'string', required: true, invalid: stateTypeInvalid, text: 'value' },
    { path: [...at, 'stateId'], type: 'string', required: true, invalid: stateIdInvalid, text: 'value' },
    { path: [...at, 'transition'], type: 'string', required: true, invalid: transitionInvalid, text: 'value' },
    { path: [...at, 'payload'], type: 'object', required: true, text: 'inside' },
    { path: [...at, 'expectedVersion'], type: 'integer', invalid: integerInvalid },
    { path: [...at, 'tags'], type: 'array', invalid: tagsInvalid, text: 'items' },
    { path: [...at, 'metadata'], type: 'object', text: 'inside', noise: 200 },
    { path: [...at, 'estimatedBlastRadius'], type: 'integer', invalid: integerInvalid },
    { path: [...at, 'category'], type: 'string', invalid: fc.oneof(fc.constant(doc('')), tooLong(100)), text: 'value', noise: 100 },
    { path: [...at, 'riskLevel'], type: 'string', invalid: badEnumDoc, text: 'value' },
    { path: [...at, 'sideEffectSeverity'], type: 'string', invalid: badEnumDoc, text: 'value' },
    { path: [...at, 'reason'], type: 'string', invalid: tooLong(2000), text: 'value', noise: 2000 },
  ];
  if (options.step) return fields;
  return [
    ...fields,
    { path: [...at, 'idempotencyKey'], type: 'string', invalid: fc.oneof(fc.constant(doc('')), tooLong(200)), text: 'value' },
    { path: [...at, 'expectedPlanHash'], type: 'string', invalid: fc.constantFrom('', 'a'.repeat(63), 'a'.repeat(65), 'A'.repeat(64), 'g'.repeat(64), ` ${'a'.repeat(63)}`).map(doc), text: 'value' },
    { path: [...at, 'dependsOn'], type: 'array', invalid: dependsOnInvalid, text: 'items' },
    { path: [...at, 'dependencyTimeout'], type: 'string', invalid: fc.oneof(badDuration, hugeDuration).map(doc), text: 'value' },
    { path: [...at, 'notBefore'], type: 'string', invalid: badInstant.map(doc), text: 'value' },
    { path: [...at, 'dryRun'], type: 'boolean' },
  ];
}

/** Payloads that break the JSON Schema of every template transition (each has `additionalProperties: false`). */
const PAYLOAD_INVALID: Record<string, unknown[]> = {
  disable: [{ force: true }, { enabled: false }],
  setRollout: [{ percentage: 101 }, { percentage: -1 }, { percentage: 1.5 }, { percentage: '50' }, { percentage: 10, extra: 1 }],
  setLimit: [{ amount: -1 }, { amount: 1e13 }, { amount: '100' }, { amount: 100, currency: 'EUR' }],
};

function submitTemplates(targets: Targets): Record<string, unknown>[] {
  return [
    { stateType: 'feature-flag', stateId: targets.flag, transition: 'disable', payload: {}, reason: 'fuzz', tags: ['fuzz'], metadata: { team: 'fuzz' } },
    { stateType: 'feature-flag', stateId: targets.flag, transition: 'setRollout', payload: { percentage: 0 }, expectedVersion: 0, category: 'release', riskLevel: 'high' },
    { stateType: 'credit-limit', stateId: targets.credit, transition: 'setLimit', payload: { amount: 1500 }, estimatedBlastRadius: 3, sideEffectSeverity: 'high', metadata: { ticket: 'FUZZ-1', nested: { a: [1, 2] } } },
  ];
}

/** Payload fields of the templates with schema-breaking values. */
function payloadFields(at: JsonPath): BodyField[] {
  return [{ path: [...at, 'payload'], type: 'object', required: true, invalid: fc.constantFrom(...Object.values(PAYLOAD_INVALID).flat()).map(doc) }];
}

const decisionField: BodyField = { path: ['decision'], type: 'string', required: true, invalid: fc.constantFrom('APPROVE', 'approved', 'yes', 'accept', 'rejected', '', 'approve ').map(doc), text: 'value' };
const commentField = (name: string): BodyField => ({ path: [name], type: 'string', invalid: tooLong(2000), text: 'value', noise: 2000 });

const approvalBody: BodySpec = { templates: () => [{ decision: 'approve', comment: 'fuzz' }, { decision: 'reject' }], fields: [decisionField, commentField('comment')] };
const reasonBody: BodySpec = { optional: true, templates: () => [{ reason: 'fuzz' }], fields: [commentField('reason')] };

// ---- path parameters

const uuidParam = (valid: (targets: Targets) => string, name: string): PathParam => ({
  valid,
  invalid: fc.oneof(
    { weight: 3, arbitrary: notAUuid.map(encode) },
    { weight: 2, arbitrary: fc.constantFrom('%00', 'x%00', '00000000-0000-4000-8000-000000000000%00') },
    { weight: 2, arbitrary: unknownUuid },
  ),
  names: [...new Set([name, 'id'])],
});
const mutationId = (valid: (targets: Targets) => string) => uuidParam(valid, 'id');

/** A NUL, a percent sign that decodes to nothing, an overlong UTF-8 NUL, or a segment longer than any id. */
const segmentInvalid = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('%00', 'a%00b', 'flag%00') }, { weight: 1, arbitrary: fc.constantFrom('x'.repeat(3_000), '%ff', '%C0%80', '%zz', '%') });
/** Names of no state: a state read answers 404, a history read an empty page. */
const segmentOdd = fc.oneof(oddString.map(encode), fc.constantFrom('..', '.', '%2e%2e', 'a%2Fb', '%20', 'fuzz-nothing-here'));
const stateTypeParam: PathParam = { valid: () => 'feature-flag', invalid: segmentInvalid, odd: segmentOdd, names: ['type', 'stateType'] };
const stateIdParam: PathParam = { valid: (targets) => targets.flag, invalid: segmentInvalid, odd: segmentOdd, names: ['id', 'stateId'] };

/**
 * A file of the reference page (GET /docs/:asset): a NUL is refused naming the segment, a bad
 * percent-encoding or a segment past the router's 1,000 characters before routing, and a name
 * the page does not serve — an Object member, a path out of the directory — is 404.
 */
const referenceAsset: PathParam = {
  valid: () => 'countersign-docs.js',
  invalid: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('%00', 'swagger-ui.css%00', 'x%00y') },
    { weight: 2, arbitrary: fc.constantFrom('x'.repeat(3_000), '%ff', '%C0%80', '%zz', '%') },
    { weight: 2, arbitrary: fc.constantFrom('index.html', 'swagger-ui.CSS', 'swagger-ui.css.map', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '..%2Fpackage.json', '%2e%2e', 'fuzz-unknown.js') },
    { weight: 1, arbitrary: oddString.map(encode) },
  ),
  names: ['asset'],
};

// ---- query parameters

const digits = (count: number) => '9'.repeat(count);
/** Positions past 2^53 cannot be read back exactly, and past 2^63 no log holds them. */
const minPosition: QueryParam = {
  name: 'minPosition',
  invalid: fc.constantFrom('-1', '1.5', 'abc', '1e400', '-0.5', 'true', '[1]', '9007199254740993', '1e20', digits(20), '9223372036854775808'),
  // A position above the log head would wait for COUNTERSIGN_READ_WAIT_TIMEOUT and answer 503: valid, so never sent.
  odd: fc.constantFrom('0', '', '00'),
};
const limit: QueryParam = { name: 'limit', invalid: fc.constantFrom('0', '501', '-1', '1.5', 'ten', '1e400', '', 'NaN', digits(30)), odd: fc.constantFrom('1', '500', '050') };

const badCursorPart = fc.constantFrom<unknown>('0', 'Infinity', 'now', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '', 'x', '2026-01-01T00:00:00Z\u0000', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', null, true, {}, []);
const wellFormedInstant = fc.constantFrom('-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
const wellFormedUuid = fc.constantFrom('00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff');
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
/** Cursors no page ever returned: garbage, the wrong shape, or a part that is not what it should be. */
const cursorInvalid = fc.oneof(
  fc.constantFrom('bm90LWEtY3Vyc29y', '!!!', '====', '%00', 'e30', 'W10', 'bnVsbA', 'x'.repeat(501)),
  fc.constantFrom('{}', '[]', 'null', '"x"', '[1,2,3,4]', '[null,null]', '[1e400]', '[-1e400]', '[9223372036854775808]', '[[]]', '["a"]', '[1,"x"]', '{"a":1}', '[').map(base64url),
  fc.tuple(badCursorPart, fc.oneof(wellFormedUuid, badCursorPart)).map((key) => base64url(JSON.stringify(key))),
  fc.tuple(wellFormedInstant, badCursorPart).map((key) => base64url(JSON.stringify(key))),
  fc.tuple(badCursorPart, wellFormedUuid).map(([time, id]) => base64url(JSON.stringify(['applied', time, id]))),
  fc.tuple(wellFormedInstant, fc.constantFrom('1e400', '9223372036854775808', '1e20', '"1"')).map(([time, position]) => base64url(`[${JSON.stringify(time)},${position}]`)),
);
/** Cursors of the right shape with well-formed, extreme parts: forged, but a read may answer them. */
const cursorOdd = fc.oneof(
  fc.tuple(wellFormedInstant, wellFormedUuid).map((key) => base64url(JSON.stringify(key))),
  fc.tuple(wellFormedInstant, wellFormedUuid).map(([time, id]) => base64url(JSON.stringify(['applied', time, id]))),
  fc.tuple(wellFormedInstant, fc.constantFrom(0, -1, 2 ** 53 - 1)).map((key) => base64url(JSON.stringify(key))),
  fc.constantFrom(0, -1, 1.5, 2 ** 53 - 1).map((version) => base64url(JSON.stringify([version]))),
);
const cursor: QueryParam = { name: 'cursor', invalid: cursorInvalid, odd: cursorOdd, text: true };

const oddValue = oddString.map(encode);
function textParam(name: string, max: number): QueryParam {
  return { name, invalid: fc.constantFrom('x'.repeat(max + 1), 'é'.repeat(max + 1)).map(encode), odd: oddValue, text: true };
}
function enumParam(name: string): QueryParam {
  return { name, invalid: badEnum.map(encode), text: true };
}
const instantParam = (name: string): QueryParam => ({
  name,
  invalid: badInstant.map(encode),
  odd: fc.constantFrom('2026-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-01-01', '2026-W01', '2026-001', '1970-01-01T00:00:00+14:00').map(encode),
  text: true,
});
const blastRadius = (name: string): QueryParam => ({ name, invalid: fc.constantFrom('-1', '1.5', 'x', digits(16), '1e3', '', '%201', '0x10'), odd: fc.constantFrom('0', digits(10), digits(15)) });

const pageQuery = [limit, cursor, minPosition];
const mutationFilters: QueryParam[] = [
  textParam('actor', 200),
  enumParam('actorKind'),
  textParam('stateType', 63),
  textParam('stateId', 200),
  textParam('transition', 64),
  enumParam('status'),
  textParam('category', 100),
  enumParam('riskLevel'),
  enumParam('sideEffectSeverity'),
  { name: 'tag', invalid: fc.constantFrom('x'.repeat(65)), odd: oddValue, text: true, repeatable: true },
  { name: 'tags', invalid: fc.constantFrom('x'.repeat(65), Array.from({ length: 51 }, (_, index) => `t${index}`).join(',')), odd: oddValue, text: true, repeatable: true },
  instantParam('from'),
  instantParam('to'),
  enumParam('timeField'),
  blastRadius('blastRadiusMin'),
  blastRadius('blastRadiusMax'),
  textParam('q', 200),
  { name: 'metadata.team', invalid: fc.constant('x'.repeat(201)), odd: oddValue, text: true },
  { name: 'metadata.priority', invalid: fc.constant('é'.repeat(201)).map(encode), odd: fc.constantFrom('2', 'true', 'null', '-0', '1e400', '%20'), text: true },
];

/** Parameter pairs that are each valid and together refused. */
export const CONTRADICTIONS: Record<string, string[]> = {
  'GET /v1/mutations': ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'blastRadiusMin=5&blastRadiusMax=1', 'timeField=applied&cursor=' + base64url('["2026-01-01T00:00:00.000Z","00000000-0000-4000-8000-000000000000"]'), 'metadata.a%24b=1', 'metadata.=1', `metadata.${'k'.repeat(65)}=1`, Array.from({ length: 11 }, (_, index) => `metadata.k${index}=1`).join('&')],
  'GET /v1/mutations/export': ['format=csv&limit=10', 'format=ndjson&cursor=x', 'format=csv&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', '', 'format=CSV', 'format=json'],
  'GET /v1/reports/risk': ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z'],
  'GET /v1/approvals/decisions': ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'],
};

const submitBody: BodySpec = {
  templates: submitTemplates,
  fields: [...envelopeFields([], { step: false }), ...payloadFields([])],
  nullProbes: ['expectedVersion', 'expectedPlanHash', 'idempotencyKey', 'dependsOn', 'dependencyTimeout', 'notBefore', 'tags', 'metadata', 'estimatedBlastRadius', 'category', 'riskLevel', 'sideEffectSeverity', 'reason'],
};

const batchBody: BodySpec = {
  templates: (targets) => [
    { mode: 'independent', mutations: [submitTemplates(targets)[2]], reason: 'fuzz' },
    { mode: 'atomic', mutations: [{ stateType: 'feature-flag', stateId: targets.flag, transition: 'disable', payload: {} }, submitTemplates(targets)[1]] },
  ],
  fields: [
    { path: ['mode'], type: 'string', required: true, invalid: fc.constantFrom('ATOMIC', 'all', '', 'independent ', '__proto__').map(doc), text: 'value' },
    {
      path: ['mutations'],
      type: 'array',
      required: true,
      invalid: fc.oneof(fc.constantFrom([], [1], [null], [[]], ['x']).map(doc), fc.constant(longArray(doc({ stateType: 'feature-flag', stateId: 'fuzz', transition: 'disable', payload: {} }), 101))),
    },
    commentField('reason'),
    ...envelopeFields(['mutations', 0], { step: true }),
    ...payloadFields(['mutations', 0]),
  ],
};

/** Every route; `routes.spec.ts` fails when a controller declares one that is missing here. */
export const ROUTES: RouteSpec[] = [
  { method: 'POST', route: '/v1/mutations', query: 'ignored', body: submitBody },
  { method: 'GET', route: '/v1/mutations', query: [...mutationFilters, ...pageQuery] },
  { method: 'GET', route: '/v1/mutations/export', baseQuery: fc.constantFrom('format=csv', 'format=ndjson'), query: [{ name: 'format', invalid: fc.constantFrom('CSV', 'json', '', 'xlsx', 'csv,ndjson').map(encode), text: true }, ...mutationFilters, minPosition] },
  { method: 'GET', route: '/v1/mutations/:id', params: { id: mutationId((targets) => targets.appliedMutationId) }, query: [minPosition] },
  { method: 'POST', route: '/v1/mutations/:id/approvals', params: { id: mutationId((targets) => targets.pendingMutationId) }, query: 'ignored', body: approvalBody },
  {
    method: 'POST',
    route: '/v1/mutations/:id/checks/:name',
    params: {
      id: mutationId((targets) => targets.pendingCheck.mutationId),
      name: { valid: (targets) => targets.pendingCheck.name, invalid: fc.oneof(fc.constantFrom('fuzz-unknown-check', '%00', 'scan%00', 'x'.repeat(3_000), '%ff'), oddString.map(encode)), names: ['name', 'check'] },
    },
    query: 'ignored',
    body: { templates: () => [{ outcome: 'pass', detail: 'fuzz' }, { outcome: 'fail' }], fields: [{ path: ['outcome'], type: 'string', required: true, invalid: fc.constantFrom('PASS', 'ok', 'passed', '', 'pass ').map(doc), text: 'value' }, commentField('detail')] },
  },
  { method: 'POST', route: '/v1/mutations/:id/cancel', params: { id: mutationId((targets) => targets.pendingMutationId) }, query: 'ignored', body: reasonBody },
  {
    method: 'POST',
    route: '/v1/mutations/:id/revert',
    params: { id: mutationId((targets) => targets.appliedMutationId) },
    query: 'ignored',
    body: {
      templates: () => [{ reason: 'fuzz' }, { reason: 'fuzz', compensateLater: true }, { reason: 'fuzz', dryRun: true }],
      fields: [{ path: ['reason'], type: 'string', required: true, invalid: fc.oneof(fc.constant(doc('')), tooLong(2000)), text: 'value', noise: 2000 }, { path: ['compensateLater'], type: 'boolean' }, { path: ['dryRun'], type: 'boolean' }],
    },
  },
  { method: 'POST', route: '/v1/batches', query: 'ignored', body: batchBody },
  { method: 'GET', route: '/v1/batches', query: [enumParam('status'), textParam('actor', 200), ...pageQuery] },
  { method: 'GET', route: '/v1/batches/:id', params: { id: uuidParam((targets) => targets.pendingBatchId, 'id') }, query: [minPosition] },
  { method: 'POST', route: '/v1/batches/:id/approvals', params: { id: uuidParam((targets) => targets.pendingBatchId, 'id') }, query: 'ignored', body: approvalBody },
  { method: 'POST', route: '/v1/batches/:id/cancel', params: { id: uuidParam((targets) => targets.pendingBatchId, 'id') }, query: 'ignored', body: reasonBody },
  { method: 'POST', route: '/v1/batches/:id/compensation/retry', params: { id: uuidParam((targets) => targets.pendingBatchId, 'id') }, query: 'ignored', body: reasonBody },
  { method: 'GET', route: '/v1/approvals/pending', query: pageQuery },
  {
    method: 'GET',
    route: '/v1/approvals/decisions',
    query: [textParam('approver', 200), textParam('role', 100), enumParam('decision'), textParam('stateType', 63), instantParam('from'), instantParam('to'), ...pageQuery],
  },
  { method: 'GET', route: '/v1/states/:type/:id', params: { type: stateTypeParam, id: stateIdParam }, query: [minPosition] },
  { method: 'GET', route: '/v1/states/:type/:id/history', params: { type: stateTypeParam, id: stateIdParam }, query: pageQuery },
  { method: 'GET', route: '/v1/contracts', query: 'ignored' },
  { method: 'GET', route: '/v1/reports/risk', query: [instantParam('from'), instantParam('to'), minPosition] },
  { method: 'GET', route: '/v1/projections/parked', query: [enumParam('projection')] },
  {
    method: 'POST',
    route: '/v1/projections/parked/:projection/:position/retry',
    params: {
      projection: { valid: () => 'mutations', invalid: fc.constantFrom('fuzz', 'Mutations', '%00', '__proto__', 'constructor', 'toString', 'x'.repeat(3_000), '%ff'), names: ['projection'] },
      // No event is parked at a position this high, so even a well-formed retry is refused.
      position: { valid: () => '999999999999999', invalid: fc.constantFrom('0', '-1', '1.5', '1e3', '0x10', digits(16), '%00', 'abc'), names: ['position'] },
    },
    query: 'ignored',
    body: 'ignored',
    roleCheckedFirst: true,
  },
  { method: 'GET', route: '/v1/side-effects', query: [enumParam('status'), textParam('type', 320), { name: 'mutationId', invalid: notAUuid.map(encode), text: true }, ...pageQuery] },
  { method: 'GET', route: '/v1/side-effects/dead-letters', query: [textParam('type', 320), ...pageQuery] },
  { method: 'GET', route: '/v1/side-effects/:deliveryId', params: { deliveryId: uuidParam((targets) => targets.deliveryId, 'deliveryId') }, query: [minPosition] },
  { method: 'POST', route: '/v1/side-effects/:deliveryId/retry', params: { deliveryId: uuidParam((targets) => targets.deliveryId, 'deliveryId') }, query: 'ignored', body: 'ignored' },
  { method: 'GET', route: '/health', public: true, query: 'ignored' },
  { method: 'GET', route: '/openapi.json', public: true, query: 'ignored' },
  { method: 'GET', route: '/docs', public: true, query: 'ignored' },
  { method: 'GET', route: '/docs/:asset', public: true, params: { asset: referenceAsset }, query: 'ignored' },
  { method: 'GET', route: '/metrics', query: 'ignored' },
];

export function defaultTargets(): Targets {
  const none = '00000000-0000-4000-8000-00000000f022';
  return { flag: 'fuzz-nothing', credit: 'fuzz-nothing', appliedMutationId: none, pendingMutationId: none, pendingCheck: { mutationId: none, name: 'fuzz-check' }, pendingBatchId: none, deliveryId: none };
}
