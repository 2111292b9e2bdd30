import { eventBusContract } from '../../../test-support/ports/event-bus.contract.js';
import { jobQueueContract } from '../../../test-support/ports/job-queue.contract.js';
import { schedulerContract } from '../../../test-support/ports/scheduler.contract.js';
import { RedisEventBus } from './event-bus.js';
import { RedisJobQueue } from './job-queue.js';
import { RedisScheduler } from './scheduler.js';
import { redisAvailable, redisCluster } from '../../../test-support/redis.js';

const skip = !(await redisAvailable());

eventBusContract({ name: 'redis', distributed: true, skip, cluster: redisCluster((url, prefix, logger) => new RedisEventBus(url, prefix, logger)) });
jobQueueContract({ name: 'bullmq', distributed: true, skip, cluster: redisCluster((url, prefix, logger) => new RedisJobQueue(url, prefix, logger)) });
schedulerContract({ name: 'bullmq', distributed: true, skip, cluster: redisCluster((url, prefix, logger) => new RedisScheduler(url, prefix, logger)) });
