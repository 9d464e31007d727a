/**
 * The machine's ceiling for an HTTP read at the moment of a bench:query run: Fastify with one route that sends a
 * fixed JSON body the size of a ticket's detail, no authentication, no store. Measured with the same load
 * generator and connections as the query API's routes, it says how much of a route's cost is the framework and
 * the machine (its load included) rather than the API's own work. Run as its own process: PORT is the port.
 */
import Fastify from 'fastify';

const body = JSON.stringify({ ticketId: 'T-1', text: 'x'.repeat(2000) });
const app = Fastify({ logger: false });
app.get('/v1/tickets/:id', (_, reply) => reply.type('application/json; charset=utf-8').send(body));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
