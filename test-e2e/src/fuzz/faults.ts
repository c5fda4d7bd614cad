import fc from 'fast-check';
import { TOKEN_PLACEHOLDER, type CaseAuth, type CaseBody, type FuzzCase } from './fuzz-case.js';
import { deepValue, oddText, plainValue, poisonedText, refusedValue, unknownKey, wrongType } from './hostile-values.js';
import { addEntry, doc, getAt, longString, object, removeAt, renderJson, setAt, type JsonDocument, type JsonPath } from './json-document.js';
import { CONTRADICTIONS, ROUTES, type BodyField, type BodySpec, type PathParam, type QueryParam, type RouteSpec, type Targets } from './routes.js';

/**
 * The fast-check arbitrary of fuzz cases. Each case starts from a valid request to one route
 * (routes.ts) and breaks it in one way that the HTTP contract definitely refuses — so any write
 * it causes is a defect — sometimes with valid but hostile noise in the fields it left alone.
 * A few cases are hostile *valid* reads (`expect: 'answered'`): they must not answer 5xx.
 */
export function caseArbitrary(targets: Targets): fc.Arbitrary<FuzzCase> {
  // Submits and batches carry the richest bodies (and the most ways to write): they get the most cases.
  const weight = (spec: RouteSpec) => (spec.route === '/v1/mutations' && spec.method === 'POST' ? 8 : spec.route === '/v1/batches' && spec.method === 'POST' ? 5 : spec.method === 'POST' ? 3 : 2);
  return fc.oneof(...ROUTES.map((spec) => ({ weight: weight(spec), arbitrary: routeCases(spec, targets) })));
}

type Draft = Omit<FuzzCase, 'route' | 'method' | 'auth' | 'headers'> & { method?: string; auth?: CaseAuth; headers?: Record<string, string> };

function routeCases(spec: RouteSpec, targets: Targets): fc.Arbitrary<FuzzCase> {
  const kinds: { weight: number; arbitrary: fc.Arbitrary<Draft> }[] = [];
  const hasParams = spec.params !== undefined && Object.keys(spec.params).length > 0;
  if (spec.method === 'POST') {
    const body = spec.body;
    if (body !== undefined && body !== 'ignored') {
      kinds.push({ weight: 24, arbitrary: bodyFaults(spec, body, targets) });
      if (body.nullProbes) kinds.push({ weight: 3, arbitrary: nullProbes(spec, body, targets) });
    }
    kinds.push({ weight: body === 'ignored' ? 8 : 4, arbitrary: contentTypeFaults(spec, targets) });
    kinds.push({ weight: body === 'ignored' ? 6 : 2, arbitrary: syntaxFaults(spec, targets) });
  } else if (spec.query === 'ignored') {
    kinds.push({ weight: 4, arbitrary: ignoredQueryProbes(spec, targets) });
  } else {
    kinds.push({ weight: 16, arbitrary: queryFaults(spec, spec.query, targets) });
    if (spec.query.some((param) => param.odd !== undefined)) kinds.push({ weight: 4, arbitrary: queryProbes(spec, spec.query, targets) });
    const contradictions = CONTRADICTIONS[`${spec.method} ${spec.route}`];
    if (contradictions) kinds.push({ weight: 2, arbitrary: fc.constantFrom(...contradictions).map((query) => ({ fault: `query: ${query || 'no parameters'}`, expect: 'refused' as const, path: withQuery(validPath(spec, targets), query) })) });
  }
  if (hasParams) kinds.push({ weight: 5, arbitrary: pathFaults(spec, targets) });
  if (!spec.public) kinds.push({ weight: 2, arbitrary: authFaults(spec, targets) });
  kinds.push({ weight: 1, arbitrary: methodFaults(spec, targets) });
  return fc.tuple(fc.oneof(...kinds), fc.nat({ max: 10_000 })).map(([draft, principal]) => ({
    ...draft,
    route: `${spec.method} ${spec.route}`,
    method: draft.method ?? spec.method,
    auth: draft.auth ?? { kind: 'principal', principal },
    headers: draft.headers ?? (draft.body !== undefined ? { 'content-type': 'application/json' } : {}),
  }));
}

// ---- paths

/** The route's path with every parameter valid, or one of them replaced by a raw segment. */
export function validPath(spec: RouteSpec, targets: Targets, broken?: { param: string; raw: string }): string {
  return spec.route.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    if (broken?.param === name) return broken.raw;
    const param = spec.params?.[name];
    if (!param) throw new Error(`${spec.route}: no spec for :${name}`);
    return encodeURIComponent(param.valid(targets));
  });
}

function withQuery(path: string, query: string): string {
  return query ? `${path}?${query}` : path;
}

const isPoisoned = (raw: string) => /%00/i.test(raw);

/** One path parameter broken (refused), or odd (a read may answer it); the rest of the request valid. */
function pathFaults(spec: RouteSpec, targets: Targets): fc.Arbitrary<Draft> {
  const params = Object.entries(spec.params ?? {});
  const segment = (expect: 'refused' | 'answered') => ([name, param]: [string, PathParam]) =>
    (expect === 'refused' ? param.invalid : (param.odd as fc.Arbitrary<string>)).map((raw) => ({ name, param, raw, expect }));
  const refused = fc.constantFrom(...params).chain(segment('refused'));
  const withOdd = params.filter(([, param]) => param.odd !== undefined);
  const segments = withOdd.length === 0 ? refused : fc.oneof({ weight: 3, arbitrary: refused }, { weight: 1, arbitrary: fc.constantFrom(...withOdd).chain(segment('answered')) });
  return fc.tuple(segments, validBody(spec, targets)).map(([{ name, param, raw, expect }, body]) => ({
    fault: `path :${name} = ${short(raw)}`,
    expect,
    ...(isPoisoned(raw) ? { statuses: spec.roleCheckedFirst ? [400, 403] : [400], names: param.names } : {}),
    path: validPath(spec, targets, { param: name, raw }),
    ...(body !== undefined ? { body } : {}),
  }));
}

// ---- bodies

function templates(spec: BodySpec, targets: Targets): fc.Arbitrary<JsonDocument> {
  return fc.constantFrom(...spec.templates(targets)).map(doc);
}

/** A body the route would take (or none when it reads none): only sent together with a broken path, header or method. */
function validBody(spec: RouteSpec, targets: Targets): fc.Arbitrary<CaseBody | undefined> {
  if (spec.method !== 'POST' || spec.body === undefined || spec.body === 'ignored') return fc.constant(undefined);
  return templates(spec.body, targets).map((document) => ({ kind: 'json' as const, document }));
}

const leaf = (path: JsonPath) => String(path[path.length - 1]);
const topName = (path: JsonPath) => String(path[0]);
const dotted = (path: JsonPath) => path.join('.');
const parentOf = (path: JsonPath) => path.slice(0, -1);

interface BodyFault {
  document: JsonDocument;
  fault: string;
  names?: string[];
  statuses?: number[];
  /** The field the fault is in; noise goes elsewhere. */
  field?: string;
}

function bodyFaults(spec: RouteSpec, body: BodySpec, targets: Targets): fc.Arbitrary<Draft> {
  const fault = templates(body, targets).chain((template) => fc.oneof(...fieldFaults(body, template)));
  const noiseFields = body.fields.filter((field) => field.noise !== undefined);
  return fc
    .tuple(fault, fc.integer({ min: 0, max: 3 }), fc.shuffledSubarray(noiseFields, { minLength: Math.min(1, noiseFields.length), maxLength: Math.min(2, noiseFields.length) }), fc.array(oddText(100), { minLength: 2, maxLength: 2 }))
    .map(([broken, noisy, fields, texts]) => {
      let document = broken.document;
      const noise: string[] = [];
      // One case in four also carries valid odd text in fields the fault left alone.
      if (noisy === 0 && document.kind === 'object') {
        fields.forEach((field, index) => {
          if (dotted(field.path) === broken.field || getAt(document, parentOf(field.path))?.kind !== 'object') return;
          const text = (texts[index] as string).slice(0, field.noise);
          document = field.type === 'object' ? addOddEntry(document, field.path, text) : setAt(document, field.path, doc(text));
          noise.push(dotted(field.path));
        });
      }
      return {
        fault: noise.length > 0 ? `${broken.fault} (+ odd text in ${noise.join(', ')})` : broken.fault,
        expect: 'refused' as const,
        ...(broken.statuses ? { statuses: broken.statuses } : {}),
        // With noise a server may report an odd string first (one that refuses more than NUL): only clean cases must name their field.
        ...(broken.names && noise.length === 0 ? { names: broken.names } : {}),
        path: validPath(spec, targets),
        body: { kind: 'json' as const, document },
      };
    });
}

function addOddEntry(document: JsonDocument, path: JsonPath, text: string): JsonDocument {
  const existing = getAt(document, path);
  if (existing?.kind === 'object') return addEntry(document, path, text, doc(text));
  return setAt(document, path, object([[text, doc(text)]]));
}

/** Every way the fuzzer breaks one field of a body, or the body as a whole. */
function fieldFaults(body: BodySpec, template: JsonDocument): fc.Arbitrary<BodyFault>[] {
  const present = body.fields.filter((field) => getAt(template, parentOf(field.path)) !== undefined);
  const field = fc.constantFrom(...present);
  // The body, the objects holding fields (a batch step) and the object fields themselves (payload, metadata).
  const objectPaths = [...present.map((candidate) => parentOf(candidate.path)), ...present.filter((candidate) => candidate.type === 'object').map((candidate) => candidate.path)];
  const objects = [...new Map(objectPaths.filter((path) => getAt(template, path)?.kind === 'object').map((path) => [dotted(path), path])).values()];
  const required = present.filter((candidate) => candidate.required && getAt(template, candidate.path) !== undefined);
  const withInvalid = present.filter((candidate) => candidate.invalid !== undefined);
  const withText = present.filter((candidate) => candidate.text !== undefined);
  const names = (target: BodyField) => [...new Set([topName(target.path), leaf(target.path)])];
  const faults: fc.Arbitrary<BodyFault>[] = [
    field.chain((target) =>
      wrongType(target.type, target.required ?? false).map((value) => ({ document: setAt(template, target.path, value), fault: `${dotted(target.path)}: wrong type ${renderJson(value)}`, names: names(target), field: dotted(target.path) })),
    ),
    field.chain((target) => deepValue.map((value) => ({ document: setAt(template, target.path, value), fault: `${dotted(target.path)}: nested ${(value as { depth: number }).depth} levels deep`, field: dotted(target.path) }))),
    fc.tuple(fc.constantFrom(...objects), deepValue).map(([path, value]) => ({
      document: addEntry(template, path, 'deep', value),
      fault: `${path.length ? dotted(path) : 'body'}: extra key holding ${(value as { depth: number }).depth} levels`,
      field: path.length ? dotted(path) : 'deep',
    })),
    fc.tuple(fc.constantFrom(...objects), fc.constantFrom(doc({ polluted: true }), doc(1), doc(null))).map(([path, value]) => ({
      document: addEntry(template, path, '__proto__', value),
      fault: `${path.length ? dotted(path) : 'body'}: a key named __proto__`,
      field: path.length ? dotted(path) : '__proto__',
    })),
    fc.tuple(unknownKey, fc.oneof({ weight: 3, arbitrary: plainValue.map((value) => ({ value, refused: false })) }, { weight: 1, arbitrary: refusedValue.map((value) => ({ value, refused: true })) }), fc.constantFrom(...objects.filter((path) => !isFreeForm(body, path)))).map(
      ([key, { value, refused }, path]) => ({
        document: addEntry(template, path, key, value),
        fault: `${path.length ? dotted(path) : 'body'}: unknown field ${JSON.stringify(key)} = ${shortJson(value)}`,
        ...(key.trim() !== '' && key !== '__proto__' && !refused ? { names: [key] } : {}),
        field: key,
      }),
    ),
    // A null body where the body is optional may well mean "no body" (one null rule, BRIEF §4): not sent there.
    fc.constantFrom<JsonDocument>(doc([]), doc('body'), doc(1), doc(true), ...(body.optional ? [] : [doc(null)])).map((document) => ({ document, fault: `body: ${renderJson(document)} instead of an object`, statuses: [400] })),
    fc.constant({ document: { kind: 'array' as const, items: [template] }, fault: 'body: the request wrapped in an array', statuses: [400] }),
    fc.integer({ min: 1_100_000, max: 1_600_000 }).map((size) => {
      const target = present.find((candidate) => candidate.noise !== undefined && candidate.type === 'string') as BodyField;
      return { document: setAt(template, target.path, longString('x', size)), fault: `${dotted(target.path)}: ${size} characters, past the body limit`, field: dotted(target.path) };
    }),
  ];
  if (required.length > 0) {
    faults.push(fc.constantFrom(...required).map((target) => ({ document: removeAt(template, target.path), fault: `${dotted(target.path)}: missing`, names: names(target), field: dotted(target.path) })));
  }
  if (withInvalid.length > 0) {
    const invalid = fc.constantFrom(...withInvalid).chain((target) => (target.invalid as fc.Arbitrary<JsonDocument>).map((value) => ({ target, value })));
    faults.push(invalid.map(({ target, value }) => ({ document: setAt(template, target.path, value), fault: `${dotted(target.path)}: ${shortJson(value)}`, names: names(target), field: dotted(target.path) })));
    // JSON.parse keeps the last of duplicate keys: the valid value first, the invalid one last.
    faults.push(
      invalid.map(({ target, value }) => ({
        document: addEntry(getAt(template, target.path) === undefined ? setAt(template, target.path, doc('fuzz')) : template, parentOf(target.path), leaf(target.path), value),
        fault: `${dotted(target.path)}: given twice, the last ${shortJson(value)}`,
        field: dotted(target.path),
      })),
    );
  }
  if (withText.length > 0) {
    faults.push(
      fc.tuple(fc.constantFrom(...withText), poisonedText, fc.boolean()).map(([target, poison, inKey]) => {
        const path = target.path;
        let document: JsonDocument;
        let where: string;
        if (target.text === 'value') {
          document = setAt(template, path, doc(poison));
          where = 'value';
        } else if (target.text === 'items') {
          document = setAt(template, path, doc(['fuzz', poison]));
          where = 'an item';
        } else {
          const existing = getAt(template, path);
          const entry: [string, JsonDocument] = inKey ? [poison, doc('x')] : ['fuzz', doc(poison)];
          document = existing?.kind === 'object' ? addEntry(template, path, entry[0], entry[1]) : setAt(template, path, object([entry]));
          where = inKey ? 'a key' : 'a value';
        }
        return { document, fault: `${dotted(path)}: ${JSON.stringify(poison)} in ${where}`, names: names(target), statuses: [400], field: dotted(path) };
      }),
    );
  }
  return faults;
}

/** Free-form objects (metadata) take any key: an unknown key there is no fault. */
function isFreeForm(body: BodySpec, path: JsonPath): boolean {
  return body.fields.some((field) => field.text === 'inside' && field.noise !== undefined && dotted(field.path) === dotted(path));
}

function shortJson(document: JsonDocument): string {
  const text =
    document.kind === 'long-string'
      ? `a string of ${document.unit.length * document.times} units`
      : document.kind === 'long-array'
        ? `${document.times} items`
        : document.kind === 'deep'
          ? `${document.depth} levels deep`
          : renderJson(document);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** `null` in one optional field, on a dry run (which records nothing whatever the answer). */
function nullProbes(spec: RouteSpec, body: BodySpec, targets: Targets): fc.Arbitrary<Draft> {
  return fc.tuple(templates(body, targets), fc.constantFrom(...(body.nullProbes as string[]))).map(([template, field]) => ({
    fault: `${field}: null on a dry run`,
    expect: 'answered' as const,
    nullProbe: field,
    path: validPath(spec, targets),
    // Without expectedVersion: a stale one would answer 409 whatever the null does.
    body: { kind: 'json' as const, document: setAt(setAt(getAt(template, ['expectedVersion']) ? removeAt(template, ['expectedVersion']) : template, ['dryRun'], doc(true)), [field], doc(null)) },
  }));
}

/** The route's valid body in a format other than JSON: every one of them is a 415. */
function contentTypeFaults(spec: RouteSpec, targets: Targets): fc.Arbitrary<Draft> {
  const fields = spec.body === undefined || spec.body === 'ignored' ? fc.constant<Record<string, unknown>>({ reason: 'fuzz' }) : fc.constantFrom(...spec.body.templates(targets));
  const types = fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-8',
    'text/plain',
    'text/plain; charset=utf-8',
    'multipart/form-data; boundary=fuzz',
    'application/xml',
    'text/xml',
    'application/merge-patch+json',
    'application/json-patch+json',
    'application/x-ndjson',
    'application/octet-stream',
    'text/json',
    'application/jsonx',
    'application/*',
    '*/*',
    'json',
    '(none)',
  );
  return fc.tuple(fields, types).map(([values, type]) => ({
    fault: `content-type ${type}`,
    expect: 'refused' as const,
    statuses: [415],
    path: validPath(spec, targets),
    headers: type === '(none)' ? ({} as Record<string, string>) : { 'content-type': type },
    body: { kind: 'text' as const, text: encodeAs(type, values) },
  }));
}

function encodeAs(type: string, values: Record<string, unknown>): string {
  const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  if (type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(Object.entries(values).map(([key, value]): [string, string] => [key, asText(value)])).toString();
  if (type.startsWith('multipart/')) return `${Object.entries(values).map(([key, value]) => `--fuzz\r\ncontent-disposition: form-data; name="${key}"\r\n\r\n${asText(value)}\r\n`).join('')}--fuzz--\r\n`;
  if (type.includes('xml')) return `<request>${Object.entries(values).map(([key, value]) => `<${key}>${asText(value)}</${key}>`).join('')}</request>`;
  return JSON.stringify(values);
}

const BROKEN_JSON = [
  '{',
  '}',
  '{"a":}',
  '{"a" 1}',
  'NaN',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  "{'a':1}",
  '{a:1}',
  '{"a":1}{"b":2}',
  '{"a":1,}',
  '[1,]',
  '/* comment */{}',
  '{"a":"\\x41"}',
  '{"a":"tab\there"}',
  '{"a":"nul\u0000raw"}',
  '\ufeff{',
  '   ',
  '\n',
  'true false',
  '{"a":01}',
  '{"a":-}',
  '{"a":1e}',
  '{"a":.5}',
  '{"a":+1}',
  '"unterminated',
  '{"a":"\\ud83d',
] as const;

/** JSON that does not parse: a 400 on every route, read or not. */
function syntaxFaults(spec: RouteSpec, targets: Targets): fc.Arbitrary<Draft> {
  const templateText = spec.body === undefined || spec.body === 'ignored' ? fc.constant('{"reason":"fuzz"}') : fc.constantFrom(...spec.body.templates(targets)).map((values) => JSON.stringify(values));
  // Every proper prefix of an object's JSON text is broken (the empty one included).
  const truncated = templateText.chain((text) => fc.integer({ min: 0, max: text.length - 1 }).map((end) => ({ text: text.slice(0, end), fault: `JSON cut off after ${end} of ${text.length} characters` })));
  // Invalid UTF-8 decodes to U+FFFD, which is valid text: it goes into the ASCII-only stateId, never into free text.
  const invalidUtf8 = templateText
    .filter((text) => text.includes('"stateId":"'))
    .map((text) => ({ text: Buffer.from(text, 'utf8').toString('latin1').replace('"stateId":"', '"stateId":"\u00c3\u0028'), fault: 'invalid UTF-8 in stateId', latin1: true }));
  return fc
    .oneof(
      truncated,
      fc.constantFrom(...BROKEN_JSON).map((text) => ({ text, fault: `broken JSON ${JSON.stringify(text)}` })),
      templateText.map((text) => ({ text: `${text.slice(0, -1)},}`, fault: 'trailing comma' })),
      templateText.map((text) => ({ text: text.replace(/"/g, "'"), fault: 'single quotes' })),
      ...(spec.route === '/v1/mutations' || spec.route === '/v1/batches' ? [invalidUtf8] : []),
    )
    .map((broken) => ({
      fault: broken.fault,
      expect: 'refused' as const,
      // Invalid UTF-8 decodes to U+FFFD: still JSON, and then refused for a field of its own, not as malformed.
      ...('latin1' in broken ? {} : { statuses: [400] }),
      path: validPath(spec, targets),
      body: { kind: 'text' as const, text: broken.text, ...('latin1' in broken ? { encoding: 'latin1' as const } : {}) },
    }));
}

// ---- authentication and methods

const BROKEN_AUTHORIZATION = [
  'Bearer',
  'Bearer ',
  'Basic dGVzdDp0ZXN0',
  'Bearer fuzz-unknown-token-0000000000',
  `Bearer ${TOKEN_PLACEHOLDER}x`,
  `Bearer x${TOKEN_PLACEHOLDER}`,
  `Token ${TOKEN_PLACEHOLDER}`,
  `Basic ${TOKEN_PLACEHOLDER}`,
  `Bearer ${TOKEN_PLACEHOLDER} ${TOKEN_PLACEHOLDER}`,
  `Bearer ${TOKEN_PLACEHOLDER},Bearer ${TOKEN_PLACEHOLDER}`,
  `Bearer "${TOKEN_PLACEHOLDER}"`,
  TOKEN_PLACEHOLDER,
  `Bearer ${'a'.repeat(4_000)}`,
] as const;

function authFaults(spec: RouteSpec, targets: Targets): fc.Arbitrary<Draft> {
  const auth = fc.oneof(
    fc.constant<CaseAuth>({ kind: 'none' }),
    fc.tuple(fc.constantFrom(...BROKEN_AUTHORIZATION), fc.nat({ max: 10_000 })).map(([template, principal]): CaseAuth => ({ kind: 'header', principal, template })),
  );
  return fc.tuple(auth, validBody(spec, targets)).map(([brokenAuth, body]) => ({
    fault: brokenAuth.kind === 'header' ? `Authorization ${JSON.stringify(brokenAuth.template.slice(0, 60))}` : 'no Authorization header',
    expect: 'refused' as const,
    statuses: [401],
    path: validPath(spec, targets),
    auth: brokenAuth,
    ...(body !== undefined ? { body } : {}),
  }));
}

/**
 * Another method on the route's path. Where that method has a route of its own on the path (GET
 * /v1/mutations next to POST /v1/mutations) a GET is answered and a bodiless POST refused;
 * elsewhere only 404 or 405 is right.
 */
function methodFaults(spec: RouteSpec, targets: Targets): fc.Arbitrary<Draft> {
  const methods = spec.method === 'GET' ? ['POST', 'PUT', 'PATCH', 'DELETE'] : ['PUT', 'PATCH', 'DELETE', 'GET'];
  const path = validPath(spec, targets);
  return fc.tuple(fc.constantFrom(...methods), validBody(spec, targets)).map(([method, body]) => {
    const routed = ROUTES.some((other) => other.method === method && routePattern(other.route).test(path));
    return {
      fault: `method ${method}`,
      expect: routed && method === 'GET' ? ('answered' as const) : ('refused' as const),
      ...(routed ? {} : { statuses: [404, 405] }),
      method,
      path,
      ...(body !== undefined && method !== 'GET' && method !== 'POST' ? { body } : {}),
    };
  });
}

function routePattern(route: string): RegExp {
  return new RegExp(`^${route.replace(/:[A-Za-z]+/g, '[^/]+')}$`);
}

// ---- query parameters

const UNKNOWN_PARAMETERS = ['colour', 'limit%20', 'Limit', '__proto__', 'constructor', 'prototype', 'toString', 'metadata', 'tag[]', 'a[b]', 'cursor.x', 'actor%00', '%F0%9F%A6%84'];

function queryFaults(spec: RouteSpec, params: QueryParam[], targets: Targets): fc.Arbitrary<Draft> {
  const base = spec.baseQuery ?? fc.constant('');
  const param = fc.constantFrom(...params);
  const textParams = params.filter((candidate) => candidate.text);
  const single = params.filter((candidate) => !candidate.repeatable);
  type Fragment = { query: string; fault: string; names?: string[]; statuses?: number[]; replacesBase?: boolean };
  const fragments: { weight: number; arbitrary: fc.Arbitrary<Fragment> }[] = [
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...UNKNOWN_PARAMETERS), fc.constantFrom('1', '', 'x')).map(([name, value]) => ({ query: `${name}=${value}`, fault: `unknown parameter ${name}` })) },
    { weight: 6, arbitrary: param.chain((target) => target.invalid.map((value) => ({ query: `${target.name}=${value}`, fault: `${target.name}=${short(value)}`, names: [target.name], replacesBase: target.name === 'format' }))) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...single).chain((target) =>
        fc.tuple(target.odd ?? target.invalid, target.odd ?? target.invalid).map(([first, second]) => ({ query: `${target.name}=${first}&${target.name}=${second}`, fault: `${target.name} given twice`, names: [target.name], replacesBase: target.name === 'format' })),
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 17_000, max: 40_000 }).map((size) => ({ query: `${params[0]?.name}=${'x'.repeat(size)}`, fault: `a URL of ${size} characters` })) },
  ];
  if (textParams.length > 0) {
    fragments.push({
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...textParams), fc.constantFrom('%00', 'a%00', 'x%00y', '%00%00'))
        .map(([target, value]) => ({ query: `${target.name}=${value}`, fault: `${target.name}=${value}`, names: [target.name], statuses: [400], replacesBase: target.name === 'format' })),
    });
  }
  return fc.tuple(base, fc.oneof(...fragments)).map(([baseQuery, fragment]) => ({
    fault: `query ${fragment.fault}`,
    expect: 'refused' as const,
    ...(fragment.names ? { names: fragment.names } : {}),
    ...(fragment.statuses ? { statuses: fragment.statuses } : {}),
    path: withQuery(validPath(spec, targets), [fragment.replacesBase ? '' : baseQuery, fragment.query].filter(Boolean).join('&')),
  }));
}

/** Valid but hostile values in one to three parameters: a read that must not fail. */
function queryProbes(spec: RouteSpec, params: QueryParam[], targets: Targets): fc.Arbitrary<Draft> {
  const odd = params.filter((param) => param.odd !== undefined);
  return fc
    .tuple(spec.baseQuery ?? fc.constant(''), fc.shuffledSubarray(odd, { minLength: 1, maxLength: Math.min(3, odd.length) }))
    .chain(([baseQuery, chosen]) => fc.tuple(...chosen.map((param) => (param.odd as fc.Arbitrary<string>).map((value) => `${param.name}=${value}`))).map((parts) => ({ baseQuery, parts })))
    .map(({ baseQuery, parts }) => ({ fault: `odd query ${short(parts.join('&'))}`, expect: 'answered' as const, path: withQuery(validPath(spec, targets), [baseQuery, ...parts].filter(Boolean).join('&')) }));
}

/** Routes that read no query: any junk in it is ignored, never a failure. */
function ignoredQueryProbes(spec: RouteSpec, targets: Targets): fc.Arbitrary<Draft> {
  return fc
    .constantFrom('x=1', '__proto__=1', 'a=%00', 'a=1&a=2', `q=${'x'.repeat(5_000)}`, 'minPosition=-1', '%zz=1')
    .map((query) => ({ fault: `ignored query ${short(query)}`, expect: 'answered' as const, path: withQuery(validPath(spec, targets), query) }));
}

function short(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…(${text.length})` : text;
}
