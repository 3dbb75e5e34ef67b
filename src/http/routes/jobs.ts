import type { FastifyInstance } from 'fastify';
import { idParams, jobQuery } from '../request-schemas.js';
import { jobViewSchema, listOf, scheduleViewSchema } from '../response-schemas.js';
import { type RouteDeps, route } from '../route.js';

/** Dispatched jobs and recurring schedules. */
export function jobRoutes(app: FastifyInstance, { backstop, doc }: RouteDeps): void {
  route(app, doc, {
    method: 'GET',
    url: '/v1/jobs/:id',
    group: 'jobs',
    summary: 'A job: its state, result or error, and every attempt',
    params: idParams,
    query: jobQuery,
    responses: {
      200: { description: 'the job', schema: jobViewSchema },
      504: { description: '`wait` passed before the job finished (BACKSTOP_WAIT_TIMEOUT)' },
    },
    handler: async ({ params, query }) =>
      query.wait ? backstop.jobs.wait(params.id, { timeout: query.wait }) : backstop.jobs.get(params.id),
  });

  route(app, doc, {
    method: 'DELETE',
    url: '/v1/jobs/:id',
    group: 'jobs',
    summary: 'Cancel a job that has not started',
    params: idParams,
    responses: {
      200: { description: 'cancelled: the job as it was', schema: jobViewSchema },
      409: { description: 'the job is running or finished' },
    },
    handler: async ({ params }) => backstop.jobs.cancel(params.id),
  });

  route(app, doc, {
    method: 'GET',
    url: '/v1/schedules',
    group: 'schedules',
    summary: 'Recurring dispatches (cron / every)',
    responses: { 200: { description: 'the schedules', schema: listOf('schedules', scheduleViewSchema) } },
    handler: async () => ({ schedules: await backstop.schedules.list() }),
  });

  route(app, doc, {
    method: 'DELETE',
    url: '/v1/schedules/:id',
    group: 'schedules',
    summary: 'Stop a recurring dispatch (occurrences already queued still run)',
    params: idParams,
    responses: { 204: { description: 'removed' } },
    handler: async ({ params, reply }) => {
      await backstop.schedules.remove(params.id);
      return reply.code(204).send();
    },
  });
}
