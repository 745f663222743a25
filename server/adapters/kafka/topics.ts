/**
 * The Kafka topic names, apart from the kafkajs client (`kafka.ts`), so a role that only names a
 * topic (the balancer choosing its bus) does not load kafkajs when no broker is configured.
 */

/** The samples topic of the `app` and `agent` sources (every metric of a sample travels together). */
export const SAMPLES_TOPIC = 'zonescale.samples';

/** The topic of the balancers' request samples (source `balancer`), beside the samples topic. */
export const REQUESTS_TOPIC = 'zonescale.requests';
