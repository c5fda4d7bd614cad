// Baseline for bench:submit: plain Fastify (no NestJS) + a pg Pool. `POST /baseline` stores the
// JSON body as one jsonb row (one autocommit INSERT, one round trip) and answers 201 with the new
// id: the least work an HTTP write that must be durable in PostgreSQL can do on this machine.
//
// env: DATABASE_URL (required), PORT (default 3100), HOST (default 127.0.0.1),
//      COUNTERSIGN_DB_POOL_SIZE (default 20, the API's default pool size).
import Fastify from 'fastify';
import pg from 'pg';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('baseline-server: DATABASE_URL is required\n');
  process.exit(1);
}
const port = Number(process.env.PORT || 3100);
const host = process.env.HOST || '127.0.0.1';
const poolSize = Number(process.env.COUNTERSIGN_DB_POOL_SIZE || 20);

const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
pool.on('error', () => undefined);
await pool.query(`CREATE TABLE IF NOT EXISTS baseline_requests (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  body jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
)`);

const app = Fastify({ logger: false, bodyLimit: 1_048_576 });

app.get('/health', async () => ({ status: 'ok' }));

app.post('/baseline', async (request, reply) => {
  const { rows } = await pool.query('INSERT INTO baseline_requests (body) VALUES ($1) RETURNING id', [JSON.stringify(request.body)]);
  void reply.status(201);
  return { id: Number(rows[0].id) };
});

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await app.close().catch(() => undefined);
  await pool.end().catch(() => undefined);
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());

await app.listen({ port, host });
