import { describe, expect, expectTypeOf, it } from 'vitest';
import { DevflowApi, queryString, requestFor, type ApiRequest } from './client.js';
import type { Route, RouteAnswer, RouteInput } from './routes.js';
import type { Deployment, Server } from './shapes.js';

describe('typed API client', () => {
  it('fills path parameters (encoded), appends the query, passes the body', async () => {
    const sent: ApiRequest[] = [];
    const api = new DevflowApi(async (request) => {
      sent.push(request);
      return { deployment: { id: 'dep_1' } };
    });
    await api.call('POST /api/projects/:project/environments/:env/deployments', { params: { project: 'shop', env: 'prod/eu' }, body: { branch: 'main' } });
    await api.call('GET /api/deployments', { query: { status: 'failed', q: 'fix bug', page: 2, limit: undefined } });
    await api.call('GET /api/servers');
    expect(sent).toEqual([
      { method: 'POST', path: '/api/projects/shop/environments/prod%2Feu/deployments', body: { branch: 'main' } },
      { method: 'GET', path: '/api/deployments?status=failed&q=fix+bug&page=2' },
      { method: 'GET', path: '/api/servers' },
    ]);
  });

  it('refuses a call with a path parameter missing instead of sending "/undefined"', () => {
    expect(() => requestFor('GET /api/servers/:id', { params: {} })).toThrow('path parameter "id" is missing');
    expect(queryString({ a: [1, 2], b: null, c: '' })).toBe('?a=1&a=2');
  });

  it('types answers and inputs from the route table', () => {
    expectTypeOf<RouteAnswer<'GET /api/servers'>>().toEqualTypeOf<{ servers: Server[] }>();
    expectTypeOf<RouteAnswer<'GET /api/deployments'>['items'][number]>().toEqualTypeOf<Deployment>();
    expectTypeOf<RouteAnswer<'DELETE /api/servers/:id'>>().toEqualTypeOf<undefined>();
    expectTypeOf<RouteAnswer<'GET /api/steps/:id/logs.txt'>>().toEqualTypeOf<string>();
    expectTypeOf<RouteInput<'GET /api/servers/:id'>['params']>().toEqualTypeOf<Record<'id', string>>();
    expectTypeOf<'GET /api/servers'>().toExtend<Route>();
    // @ts-expect-error not a route of the table
    expectTypeOf<'GET /api/nope'>().toExtend<Route>();
  });
});
