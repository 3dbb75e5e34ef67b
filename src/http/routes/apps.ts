import type { FastifyInstance } from 'fastify';
import type { Backstop } from '../../backstop.js';
import { type AppDefinition, parseApp } from '../../core/definition/app-definition.js';
import { ConflictError, NotFoundError } from '../../core/validation-error.js';
import type { StoredApp } from '../../store/app-store.js';
import { objectBody, withField } from '../body.js';
import { appCreateSchema, appPatchSchema, tagParams } from '../request-schemas.js';
import { appSchema, listOf } from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

const group = 'apps';

/** HTTP apps (base URLs, headers, actions) that providers call. Apps belong to no product. */
export function appRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  route(app, doc, {
    method: 'POST',
    url: '/v1/apps',
    group,
    summary: 'Create an app',
    description:
      'The same definition again is a no-op (200); a different one under the same tag is a 409 (use PUT or PATCH).',
    body: { schema: appCreateSchema, required: true },
    responses: {
      201: { description: 'created', schema: appSchema },
      200: { description: 'already there, identical', schema: appSchema },
      409: { description: 'a different app has this tag' },
    },
    handler: async ({ body, reply }) => {
      const definition = parseApp(objectBody(body, true));
      const existing = await fetchOrUndefined(backstop, definition.tag);
      if (existing) {
        if (JSON.stringify(existing.definition) === JSON.stringify(definition)) return existing;
        throw new ConflictError(
          `app '${definition.tag}' already exists with a different definition; use PUT or PATCH /v1/apps/${definition.tag}`,
        );
      }
      const created = await backstop.app.define(definition as AppDefinition);
      return reply.code(201).header('location', `/v1/apps/${created.definition.tag}`).send(created);
    },
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/apps',
    group,
    summary: 'List apps',
    responses: { 200: { description: 'the apps', schema: listOf('apps', appSchema) } },
    handler: async () => ({ apps: await backstop.app.fetchAll() }),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/apps/:tag',
    group,
    summary: 'Fetch an app',
    params: tagParams,
    responses: { 200: { description: 'the app', schema: appSchema } },
    handler: async ({ params }) => backstop.app.fetch(params.tag),
  });

  route(app, doc, {
    method: 'PUT',
    url: '/v1/apps/:tag',
    group,
    summary: 'Define an app: create or replace',
    params: tagParams,
    body: { schema: appCreateSchema, required: true },
    responses: {
      200: { description: 'replaced', schema: appSchema },
      201: { description: 'created', schema: appSchema },
    },
    handler: async ({ params, body, reply }) => {
      const stored = await backstop.app.define(
        withField(objectBody(body, true), 'tag', params.tag) as AppDefinition,
      );
      return reply.code(stored.version === 1 ? 201 : 200).send(stored);
    },
  });

  route(app, doc, {
    method: 'PATCH',
    url: '/v1/apps/:tag',
    group,
    summary: 'Update an app',
    description: 'Top-level fields of the patch replace the stored ones (envs and actions as a whole).',
    params: tagParams,
    body: { schema: appPatchSchema, required: true },
    responses: { 200: { description: 'the updated app', schema: appSchema } },
    handler: async ({ params, body }) => {
      const patch = withField(objectBody(body, true), 'tag', params.tag);
      const current = await backstop.app.fetch(params.tag);
      return backstop.app.define({ ...current.definition, ...patch } as AppDefinition);
    },
  });

  route(app, doc, {
    method: 'DELETE',
    url: '/v1/apps/:tag',
    group,
    summary: 'Delete an app',
    params: tagParams,
    responses: { 204: { description: 'deleted' } },
    handler: async ({ params, reply }) => {
      await backstop.app.delete(params.tag);
      return reply.code(204).send();
    },
  });
}

async function fetchOrUndefined(backstop: Backstop, tag: string): Promise<StoredApp | undefined> {
  try {
    return await backstop.app.fetch(tag);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
