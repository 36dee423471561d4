// What the API and the worker share: the queue's name, how to reach Redis, the jobs' options.
export const QUEUE = 'webhooks';

export function redisConnection(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379) };
}

// Retried with exponential backoff from 5 s (8 attempts: about 10 minutes); the last 10,000
// completed jobs kept with their result, failed ones for a week.
export const jobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { count: 10000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
