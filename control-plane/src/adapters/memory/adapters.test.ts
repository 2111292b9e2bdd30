import { eventBusContract } from '../../../test-support/ports/event-bus.contract.js';
import { jobQueueContract } from '../../../test-support/ports/job-queue.contract.js';
import { schedulerContract } from '../../../test-support/ports/scheduler.contract.js';
import { RecordingLogger, type Cluster } from '../../../test-support/ports/contract-support.js';
import type { Logger } from '../../ports/logger.js';
import { MemoryEventBus } from './event-bus.js';
import { MemoryJobQueue } from './job-queue.js';
import { MemoryScheduler } from './scheduler.js';

/** In-process instances share nothing, so the contracts' cross-instance cases do not apply. */
function memoryCluster<T extends { close(): Promise<void> }>(make: (logger: Logger | undefined) => T): () => Cluster<T> {
  return () => {
    const open: T[] = [];
    return {
      open: (logger) => {
        const instance = make(logger ?? new RecordingLogger());
        open.push(instance);
        return instance;
      },
      cleanup: async () => {
        await Promise.all(open.map((instance) => instance.close()));
      },
    };
  };
}

eventBusContract({ name: 'memory', distributed: false, cluster: memoryCluster((logger) => new MemoryEventBus(logger)) });
jobQueueContract({ name: 'memory', distributed: false, cluster: memoryCluster((logger) => new MemoryJobQueue(logger)) });
schedulerContract({ name: 'memory', distributed: false, cluster: memoryCluster((logger) => new MemoryScheduler(logger)) });
