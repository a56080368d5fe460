import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqlEndpoint } from './protocols/sql-endpoint';
import { httpEndpoint } from './url-endpoint';

describe('httpEndpoint', () => {
  it('drops the query and folds id-like segments', () => {
    const cases: [string, string, string][] = [
      ['GET', '/users/42?full=1', 'GET /users/{id}'],
      ['GET', '/users/42/orders/7', 'GET /users/{id}/orders/{id}'],
      ['DELETE', '/items/3fa85f64-5717-4562-b3fc-2c963f66afa6', 'DELETE /items/{id}'],
      ['GET', '/blobs/9f86d081884c7d659a2feaa0c55ad015', 'GET /blobs/{id}'],
      ['GET', '/v1/api/health', 'GET /v1/api/health'],
      ['GET', '/', 'GET /'],
      ['GET', '/?x=1', 'GET /'],
      ['GET', 'http://proxy.example/a/12', 'GET /a/{id}'],
      ['CONNECT', 'db.internal:443', 'CONNECT'],
    ];
    for (const [method, target, endpoint] of cases) expect(httpEndpoint(method, target), target).toBe(endpoint);
  });

  it('never throws and stays at most 256 characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (target) => {
        expect(httpEndpoint('GET', target).length).toBeLessThanOrEqual(256);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('sqlEndpoint', () => {
  it('keeps the verb and the main table', () => {
    const cases: [string, string][] = [
      ['SELECT * FROM users WHERE id = 1', 'SELECT users'],
      ['select id from "Public"."Order Items" o join x on true', 'SELECT Public.Order Items'],
      ['/* app:shop */ INSERT INTO orders (id) VALUES ($1)', 'INSERT orders'],
      ['  -- comment\n update `shop`.`carts` set n = 1', 'UPDATE shop.carts'],
      ["DELETE FROM sessions WHERE note = 'from x'", 'DELETE sessions'],
      ['SELECT 1', 'SELECT'],
      ["SELECT 'FROM' AS a FROM t", 'SELECT t'],
      ['(SELECT a FROM b) UNION (SELECT a FROM c)', 'SELECT b'],
      ['BEGIN', 'BEGIN'],
      ['CREATE INDEX i ON t (a)', 'CREATE INDEX'],
      ['TRUNCATE TABLE logs', 'TRUNCATE logs'],
      ['', ''],
    ];
    for (const [sql, endpoint] of cases) expect(sqlEndpoint(sql), sql).toBe(endpoint);
  });

  it('never throws on any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (sql) => {
        expect(typeof sqlEndpoint(sql)).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});
