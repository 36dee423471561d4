// The do-it-yourself stack's delivery: one BullMQ worker (concurrency 100) POSTing each job's
// payload to its endpoint over undici keep-alive connections, signed as Standard Webhooks
// (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of
// "{id}.{timestamp}.{body}" under the secret's base64-decoded key). A non-2xx answer, a timeout or
// a connection error fails the attempt, which BullMQ retries (queue.mjs); completions are
// counted in the queue's metrics.
//   node worker.mjs --redis redis://127.0.0.1:19504 --secret whsec_...
// Each flag falls back to an environment variable: DIY_REDIS, DIY_SECRET.
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Worker, MetricsTime } from 'bullmq';
import { Agent, request } from 'undici';
import { QUEUE, redisConnection } from './queue.mjs';

const { values: args } = parseArgs({
  options: {
    redis: { type: 'string', default: process.env.DIY_REDIS ?? 'redis://127.0.0.1:6379' },
    secret: { type: 'string', default: process.env.DIY_SECRET ?? '' },
    concurrency: { type: 'string', default: '100' },
  },
});
if (!args.secret.startsWith('whsec_')) {
  console.error('worker.mjs: --secret whsec_... is required');
  process.exit(2);
}
const key = Buffer.from(args.secret.slice('whsec_'.length), 'base64');
const TIMEOUT_MS = 15000;
const agent = new Agent({ keepAliveTimeout: 30000, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });

async function deliver(job) {
  const { msg, url } = job.data;
  const body = JSON.stringify(msg.payload);
  const ts = Math.floor(Date.now() / 1000).toString();
  const signature = createHmac('sha256', key).update(`${msg.id}.${ts}.${body}`).digest('base64');
  const res = await request(url, {
    method: 'POST',
    dispatcher: agent,
    headers: {
      'content-type': 'application/json',
      'webhook-id': msg.id,
      'webhook-timestamp': ts,
      'webhook-signature': `v1,${signature}`,
    },
    body,
  });
  await res.body.dump();
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`endpoint answered ${res.statusCode}`);
  return { status: res.statusCode };
}

const worker = new Worker(QUEUE, deliver, {
  connection: redisConnection(args.redis),
  concurrency: Number(args.concurrency),
  metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
});
worker.on('error', (err) => console.error('worker:', err.message));
await worker.waitUntilReady();
console.log('ready');

const shutdown = async () => {
  await worker.close();
  await agent.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
