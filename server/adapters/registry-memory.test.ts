/**
 * Runs the shared registry contract against the in-memory fake, so the fake other tests rely on
 * behaves like the SQLite and Redis adapters.
 */
import { registryContract } from './registry.contract.ts';
import { MemoryRegistry } from './registry-memory.ts';

registryContract('memory', () => new MemoryRegistry());
