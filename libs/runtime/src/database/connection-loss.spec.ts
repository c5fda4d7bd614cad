import { describe, expect, it } from '@jest/globals';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable, rideOutConnectionLoss } from './connection-loss.js';

/** An error as node-postgres raises it for a server message: a DatabaseError with its SQLSTATE. */
function serverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'FATAL' });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a backend killed by pg_terminate_backend (57P01)', serverError('57P01', 'terminating connection due to administrator command')],
    ['a crash shutdown (57P02)', serverError('57P02', 'terminating connection because of crash of another server process')],
    ['a server still starting (57P03)', serverError('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', serverError('08006', 'connection failure')],
    ['a full server (53300)', serverError('53300', 'sorry, too many clients already')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a connection node-postgres saw end', new Error('Connection terminated unexpectedly')],
    ['a client that lost its connection before', new Error('Client has encountered a connection error and is not queryable')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['TypeORM wrapping a killed backend', new QueryFailedError('SELECT 1', [], serverError('57P01', 'terminating connection due to administrator command'))],
    ['TypeORM after the driver dropped the connection', new QueryRunnerAlreadyReleasedError()],
    ['TypeORM inside a transaction whose connection was dropped', new QueryRunnerProviderAlreadyReleasedError()],
    ['a lost connection given as the cause', new Error('append failed', { cause: serverError('57P01', 'terminating connection due to administrator command') })],
  ])('says yes for %s', (_case, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', serverError('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error', serverError('42601', 'syntax error at or near "SELEC"')],
    ['a serialization failure (the transaction is retried, the server is fine)', serverError('40001', 'could not serialize access')],
    ['a statement cancelled by a timeout', serverError('57014', 'canceling statement due to statement timeout')],
    ['TypeORM wrapping a constraint violation', new QueryFailedError('INSERT', [], serverError('23503', 'violates foreign key constraint'))],
    ['a plain programming error', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['something that is not an error', 'terminated'],
    ['nothing', undefined],
  ])('says no for %s', (_case, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('rideOutConnectionLoss', () => {
  const killedBackend = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

  it('runs the work again while the connection is lost, and returns what it finally gives', async () => {
    let calls = 0;
    const result = await rideOutConnectionLoss(async () => {
      calls += 1;
      if (calls < 3) throw killedBackend();
      return 'written';
    });
    expect([result, calls]).toEqual(['written', 3]);
  });

  it('throws any other failure at once', async () => {
    let calls = 0;
    const unique = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    await expect(
      rideOutConnectionLoss(async () => {
        calls += 1;
        throw unique;
      }),
    ).rejects.toBe(unique);
    expect(calls).toBe(1);
  });

  it('gives up after its attempts, or at once when told to stop trying', async () => {
    let calls = 0;
    await expect(
      rideOutConnectionLoss(
        async () => {
          calls += 1;
          throw killedBackend();
        },
        { attempts: 2 },
      ),
    ).rejects.toThrow('terminating connection');
    expect(calls).toBe(2);

    calls = 0;
    await expect(
      rideOutConnectionLoss(
        async () => {
          calls += 1;
          throw killedBackend();
        },
        { keepTrying: () => false },
      ),
    ).rejects.toThrow('terminating connection');
    expect(calls).toBe(1);
  });
});
