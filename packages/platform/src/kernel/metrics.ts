import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Kernel } from './kernel.js';

/**
 * One registry per app instance (not prom-client's global one), so several apps in one test
 * process do not collide on metric names.
 */
export function createMetrics(app: FastifyInstance, kernel: Kernel): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'jiyue_' });

  const httpDuration = new Histogram({
    name: 'jiyue_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  new Gauge({
    name: 'jiyue_jobs',
    help: 'Background jobs by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await kernel.jobs.countsByStatus();
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the raw URL, keeps label cardinality bounded (ids are not labels).
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
}
