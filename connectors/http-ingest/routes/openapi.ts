/** `GET /openapi.json`: the document is built once, from the same schemas the routes validate with. */
import type { FastifyPluginAsync } from 'fastify';

export const openApiRoute: FastifyPluginAsync<{ readonly document: object }> = async (app, { document }) => {
  const body = JSON.stringify(document);
  app.get('/openapi.json', async (_request, reply) => reply.header('content-type', 'application/json').send(body));
};
