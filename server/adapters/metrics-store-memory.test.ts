/** Runs the shared MetricsStore contract against the in-memory fake. */
import { MemoryMetricsStore } from './metrics-store-memory.ts';
import { metricsStoreContract } from './metrics-store.contract.ts';

metricsStoreContract('MemoryMetricsStore', () => new MemoryMetricsStore());
