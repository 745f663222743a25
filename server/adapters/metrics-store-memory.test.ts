/** Runs the shared MetricsStore contract against the in-memory fake. */

import { metricsStoreContract } from './metrics-store.contract.ts';
import { MemoryMetricsStore } from './metrics-store-memory.ts';

metricsStoreContract('MemoryMetricsStore', () => new MemoryMetricsStore());
