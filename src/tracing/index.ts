export { graphqlTracing, type GraphqlTracing } from './graphql';
export { createTracing, startTracing, type RatelineProcess, type Tracing } from './provider';
export { traceAnalyticsStore, traceOperationalStore } from './stores';
export { chunkSpans, replicaWriteSpans, traceServices } from './work';
