import { describe, expect, it } from '@jest/globals';
import { databaseName, redactUrl, withDatabase } from './database-url.js';

describe('withDatabase', () => {
  it('points a server URL at another database, keeping credentials, host, port and options', () => {
    expect(withDatabase('postgres://app:secret@db.internal:6543/postgres?sslmode=require', 'countersign')).toBe(
      'postgres://app:secret@db.internal:6543/countersign?sslmode=require',
    );
  });

  it('adds a database to a URL that names none', () => {
    expect(withDatabase('postgres://app@localhost', 'countersign')).toBe('postgres://app@localhost/countersign');
  });

  it('escapes database names that are not URL-safe, so databaseName reads them back', () => {
    const url = withDatabase('postgres://app@localhost:5432/postgres', 'test db#1');
    expect(url).toBe('postgres://app@localhost:5432/test%20db%231');
    expect(databaseName(url)).toBe('test db#1');
  });
});

describe('databaseName', () => {
  it('reads the database from the path', () => {
    expect(databaseName('postgres://app:secret@localhost:5432/countersign')).toBe('countersign');
  });

  it('defaults to postgres when the URL names no database', () => {
    expect(databaseName('postgres://app:secret@localhost:5432')).toBe('postgres');
    expect(databaseName('postgres://app:secret@localhost:5432/')).toBe('postgres');
  });

  it('rejects text that is not a URL', () => {
    expect(() => databaseName('host=localhost dbname=countersign')).toThrow('Invalid URL');
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps everything else', () => {
    expect(redactUrl('postgres://app:secret@db:5432/countersign?sslmode=require')).toBe('postgres://app:***@db:5432/countersign?sslmode=require');
  });

  it('hides passwords with escaped characters', () => {
    const redacted = redactUrl('postgres://app:p%40ss%3Aw0rd@db/countersign');
    expect(redacted).toBe('postgres://app:***@db/countersign');
    expect(redacted).not.toContain('w0rd');
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactUrl('postgres://app@db:5432/countersign')).toBe('postgres://app@db:5432/countersign');
  });
});
