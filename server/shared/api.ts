/**
 * The one way every role builds its Hono app: an OpenAPIHono whose zod schemas both validate the
 * requests and describe the API at `GET /openapi.json`. Validation failures, malformed JSON, thrown
 * `ZonescaleError`s and unknown paths all become a JSON error body `{ error, message, issues? }`
 * with a 4xx/5xx status, so a bad request never changes anything and always says what was wrong.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZonescaleError } from './errors.ts';
import type { Logger } from './logger.ts';

export { z };

/** JSON error body every role returns: `error` is a stable code, `message` says what was wrong. */
export const ErrorBody = z
  .object({
    error: z.string().openapi({ example: 'bad_request' }),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    details: z.unknown().optional(),
  })
  .openapi('Error');

/** Standard error responses to spread into the `responses` of a route with a JSON body. */
export const errorResponses = {
  400: { description: 'Invalid input', content: { 'application/json': { schema: ErrorBody } } },
  401: {
    description: 'Missing or invalid cluster token',
    content: { 'application/json': { schema: ErrorBody } },
  },
  413: {
    description: 'Body larger than the role accepts',
    content: { 'application/json': { schema: ErrorBody } },
  },
  415: { description: 'Body not application/json', content: { 'application/json': { schema: ErrorBody } } },
} as const;

/** The 409 answer of a term-fenced write (balancer, gateway, monitor): the offered term is older. */
export const staleTermResponse = {
  409: {
    description: 'Term older than the known leader term (fencing token)',
    content: { 'application/json': { schema: ErrorBody } },
  },
} as const;

/** A required JSON request body for `createRoute({ request: { body: jsonBody(Schema) } })`. */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { 'application/json': { schema } } } as const;
}

/** A JSON response entry for `createRoute({ responses: { 200: jsonResponse(Schema, '…') } })`. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/** Options for `createApi`; `maxBodyBytes` defaults to 1 MiB (larger bodies get 413). */
export interface ApiOptions {
  logger?: Logger;
  maxBodyBytes?: number;
  /**
   * Answer every GET with `Access-Control-Allow-Origin: *`. Only for roles whose GETs are public
   * reads holding no key (balancer, gateway); pages with a key and keyed routes use
   * `origin-guard.ts` instead. Default false.
   */
  corsGet?: boolean;
}

/**
 * Builds an OpenAPIHono app with zonescale's error handling. The caller registers routes, then
 * calls `finishApi(app, title)` to add `GET /openapi.json`.
 */
export function createApi(opts: ApiOptions = {}): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      // Hono's JSON validator reads a request without Content-Type (and so without a body: one
      // with a body is 415 already) as `{}`, which a schema of optional fields accepts. A route
      // whose body is required must refuse it (found by the fuzz suite: `PUT /servers` with no
      // body answered 200).
      if (result.target === 'json' && !c.req.header('content-type')) {
        return c.json(
          { error: 'bad_request', message: 'a JSON body (Content-Type: application/json) is required' },
          400,
        );
      }
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({
          path: i.path.join('.') || '(body)',
          message: i.message,
        }));
        return c.json(
          { error: 'bad_request', message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues },
          400,
        );
      }
    },
  });
  if (opts.corsGet) app.use('*', cors({ origin: '*', allowMethods: ['GET'] }));
  const limit = opts.maxBodyBytes ?? 1024 * 1024;
  app.use('*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return bodyLimit({
      maxSize: limit,
      onError: (c) => c.json({ error: 'payload_too_large', message: `body exceeds ${limit} bytes` }, 413),
    })(c, next);
  });
  app.onError((err, c) => {
    if (err instanceof ZonescaleError) {
      return c.json(
        { error: err.code, message: err.message, details: err.details },
        err.status as ContentfulStatusCode,
      );
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      const code = status === 400 ? 'bad_request' : status === 415 ? 'unsupported_media_type' : 'http_error';
      return c.json({ error: code, message: err.message || 'bad request' }, status);
    }
    opts.logger?.error({ err }, 'unhandled error');
    return c.json({ error: 'internal', message: String((err as Error)?.message ?? err) }, 500);
  });
  return app;
}

/** Adds `GET /openapi.json` (OpenAPI 3.1, generated from the routes' zod schemas). */
export function finishApi(app: OpenAPIHono, title: string, description: string): OpenAPIHono {
  app.openAPIRegistry.registerComponent('securitySchemes', 'clusterToken', {
    type: 'http',
    scheme: 'bearer',
  });
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title, version: '0.1.0', description } });
  return app;
}

/** Security requirement to attach to mutating routes in the OpenAPI document. */
export const tokenSecurity = [{ clusterToken: [] }];
