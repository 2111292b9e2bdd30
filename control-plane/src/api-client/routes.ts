import type { z } from 'zod';
import type { OPERATIONS } from '../openapi/operations.js';

/**
 * The REST API's routes as types, read off the route table that also produces /api/openapi.json
 * (openapi/operations.ts): a route is `"<METHOD> <path>"`, its input and answer are the zod
 * schemas the table names. The console and the CLI call routes through these types, so a field
 * renamed or a route moved in the control plane breaks their build, not their users.
 */
type Operation = (typeof OPERATIONS)[number];

export type Route = Operation extends infer O ? (O extends { method: infer M extends string; path: infer P extends string } ? `${Uppercase<M>} ${P}` : never) : never;

type OperationOf<R extends Route> = R extends `${infer M} ${infer P}` ? Extract<Operation, { method: Lowercase<M>; path: P }> : never;

/** `/api/projects/:project/environments/:env` -> `'project' | 'env'`. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamNames<`/${Rest}`> : P extends `${string}:${infer Name}` ? Name : never;
type PathOf<R extends Route> = R extends `${string} ${infer P}` ? P : never;

/** The answer of the first success status the table lists (a JSON schema; text for other content types). */
type SuccessBody<Responses> = Responses extends { 200: infer B } ? B : Responses extends { 201: infer B } ? B : Responses extends { 202: infer B } ? B : Responses extends { 204: infer B } ? B : never;
type BodyType<B> = B extends z.ZodType ? z.output<B> : B extends null ? undefined : string;

export type RouteAnswer<R extends Route> = BodyType<SuccessBody<OperationOf<R>['responses']>>;
export type RouteBody<R extends Route> = OperationOf<R> extends { body: infer B extends z.ZodType } ? z.input<B> : never;
export type RouteQuery<R extends Route> = OperationOf<R> extends { query: infer Q extends z.ZodType } ? z.input<Q> : never;

type ParamsPart<R extends Route> = [ParamNames<PathOf<R>>] extends [never] ? { params?: never } : { params: Record<ParamNames<PathOf<R>>, string> };
type BodyPart<R extends Route> = [RouteBody<R>] extends [never] ? { body?: never } : { body?: RouteBody<R> };
type QueryPart<R extends Route> = [RouteQuery<R>] extends [never] ? { query?: never } : { query?: RouteQuery<R> };

/** What a call of route R takes: path parameters (when the path has any), a JSON body, a query. */
export type RouteInput<R extends Route> = ParamsPart<R> & BodyPart<R> & QueryPart<R>;
