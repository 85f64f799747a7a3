export { RetentionJob, type RetentionEvents, type RetentionJobOptions, type RetentionRound } from './retention-job';
