// Summarises a V8 .cpuprofile (from `BENCH_CPU_PROF=<dir> npm run bench:submit`) by where the
// busy time went: groups of packages, then the top functions by self time.
//
//   node tools/bench/cpuprofile-summary.mjs <file.cpuprofile> [top]
//
// Samples are wall-clock: a thread preempted inside a system call (writev to a loopback socket on
// a saturated 2-core VM) keeps being sampled there, so "socket writes" overstates that CPU cost.
// Use the /proc CPU columns of bench:submit for absolute costs, this for proportions.
import { readFileSync } from 'node:fs';

const [file, topArgument] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node tools/bench/cpuprofile-summary.mjs <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArgument ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
const selfTime = new Map();
profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

/** Native frames (JSON.stringify, writev...) count for the nearest JavaScript caller with a file. */
function ownerUrl(id) {
  for (let current = id; current !== undefined; current = parents.get(current)) {
    const { url } = nodes.get(current).callFrame;
    if (url) return url;
  }
  return '';
}

const GROUPS = [
  ['NestJS, class-validator, class-transformer, rxjs', /node_modules\/(@nestjs|class-validator|class-transformer|reflect-metadata|rxjs|validator)\//],
  ['HTTP: Fastify and node:http', /node_modules\/(fastify|find-my-way|secure-json-parse|avvio|fast-json-stringify|@fastify|light-my-request|fast-querystring|content-type)\/|node:_http|node:net/],
  ['pg driver', /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-date|postgres-array|postgres-interval|postgres-bytea|pg-int8)\//],
  ['TypeORM', /node_modules\/typeorm\//],
  ['domain, contracts, ajv', /libs\/(domain|contracts)\/|node_modules\/(ajv|ajv-formats|fast-deep-equal|fast-uri)\//],
  ['Countersign apps and adapters', /\/(apps|libs)\//],
];
const SOCKET_WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String']);

let busy = 0;
const groups = new Map();
const functions = new Map();
for (const [id, time] of selfTime) {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  if (functionName === '(idle)') continue;
  busy += time;
  let group;
  if (SOCKET_WRITES.has(functionName)) group = 'socket writes (system calls, see note)';
  else if (functionName === '(garbage collector)') group = 'garbage collector';
  else {
    const owner = url || ownerUrl(id);
    group = GROUPS.find(([, pattern]) => pattern.test(owner))?.[0] ?? (owner.startsWith('node:') ? 'Node internals (streams, timers, events, buffers)' : 'other');
  }
  groups.set(group, (groups.get(group) ?? 0) + time);
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/(apps|libs)\//, '$1/')}${url ? `:${lineNumber + 1}` : ''}`;
  functions.set(key, (functions.get(key) ?? 0) + time);
}

const share = (time) => `${((100 * time) / busy).toFixed(1)}%`;
const lines = [`${file}: ${(busy / 1e6).toFixed(1)} s busy (idle excluded)`, '', '| group | share of busy samples |', '| --- | ---: |'];
for (const [group, time] of [...groups].sort((a, b) => b[1] - a[1])) lines.push(`| ${group} | ${share(time)} |`);
lines.push('', `| top ${top} functions by self time | share |`, '| --- | ---: |');
for (const [name, time] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`| \`${name}\` | ${share(time)} |`);
process.stdout.write(`${lines.join('\n')}\n`);
