// The do-it-yourself stack's API (the benchmark's diy scenario): one fastify process taking
// hookd's message create, validated by JSON schema, enqueued into BullMQ on Redis as one job per
// subscribed endpoint, answered 202 with the message once Redis has acknowledged the enqueue.
//   node server.mjs --listen 127.0.0.1:19503 --redis redis://127.0.0.1:19504 --token bench \
//     --endpoint http://127.0.0.1:19501/ep/1 [--endpoint ...]
// Each flag falls back to an environment variable: DIY_LISTEN, DIY_REDIS, DIY_TOKEN,
// DIY_ENDPOINTS (comma-separated).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { Queue } from 'bullmq';
import { QUEUE, redisConnection, jobOptions } from './queue.mjs';

const { values: args } = parseArgs({
  options: {
    listen: { type: 'string', default: process.env.DIY_LISTEN ?? '127.0.0.1:19503' },
    redis: { type: 'string', default: process.env.DIY_REDIS ?? 'redis://127.0.0.1:6379' },
    token: { type: 'string', default: process.env.DIY_TOKEN ?? '' },
    endpoint: { type: 'string', multiple: true, default: (process.env.DIY_ENDPOINTS ?? '').split(',').filter(Boolean) },
  },
});
if (!args.token || args.endpoint.length === 0) {
  console.error('server.mjs: --token and at least one --endpoint are required');
  process.exit(2);
}
const [host, port] = [args.listen.slice(0, args.listen.lastIndexOf(':')), Number(args.listen.slice(args.listen.lastIndexOf(':') + 1))];

const queue = new Queue(QUEUE, { connection: redisConnection(args.redis), defaultJobOptions: jobOptions });
await queue.waitUntilReady();

// hookd's MessageIn, as far as this stack implements it.
const token = { type: 'string', minLength: 1, maxLength: 256, pattern: '^[a-zA-Z0-9\\-_.]+$' };
const label = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9\\-_.:]+$' };
const messageIn = {
  type: 'object',
  required: ['eventType', 'payload'],
  additionalProperties: false,
  properties: {
    eventType: token,
    eventId: { anyOf: [token, { type: 'null' }] },
    payload: { type: 'object' },
    channels: { anyOf: [{ type: 'array', items: label, maxItems: 10 }, { type: 'null' }] },
    tags: { anyOf: [{ type: 'array', items: label, maxItems: 5 }, { type: 'null' }] },
  },
};
const messageOut = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    eventId: { type: ['string', 'null'] },
    eventType: { type: 'string' },
    channels: { type: ['array', 'null'], items: { type: 'string' } },
    tags: { type: ['array', 'null'], items: { type: 'string' } },
    timestamp: { type: 'string' },
    payload: { type: 'object', additionalProperties: true },
  },
};

const app = Fastify({ logger: false });
app.addHook('onRequest', async (req, reply) => {
  if (req.url !== '/api/v1/health' && req.headers.authorization !== `Bearer ${args.token}`) {
    return reply.code(401).send({ code: 'authentication_failed', detail: 'invalid token' });
  }
});
app.get('/api/v1/health', async (req, reply) => reply.code(204).send());
app.post('/api/v1/app/:app/msg', {
  schema: { body: messageIn, response: { 202: messageOut } },
}, async (req, reply) => {
  const b = req.body;
  const msg = {
    id: `msg_${randomUUID().replaceAll('-', '')}`,
    eventId: b.eventId ?? null,
    eventType: b.eventType,
    channels: b.channels ?? null,
    tags: b.tags ?? null,
    timestamp: new Date().toISOString(),
    payload: b.payload,
  };
  const appId = req.params.app;
  // One job per endpoint, so each is retried on its own; added atomically.
  if (args.endpoint.length === 1) {
    await queue.add(msg.eventType, { app: appId, msg, url: args.endpoint[0] });
  } else {
    await queue.addBulk(args.endpoint.map((url) => ({ name: msg.eventType, data: { app: appId, msg, url } })));
  }
  return reply.code(202).send(msg);
});

const shutdown = async () => {
  await app.close();
  await queue.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
await app.listen({ host, port });
