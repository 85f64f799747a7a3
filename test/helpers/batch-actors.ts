import type { BatchActor } from '../../src/domain/batch';

/** A supplier's key as the write path sees it: it owns what it submits and sees only its own batches. */
export const TEST_SUPPLIER: BatchActor = { name: 'test-supplier', seesAll: false };

/** An admin key as the write path sees it: it sees and acts on every batch. */
export const TEST_ADMIN: BatchActor = { name: 'test-admin', seesAll: true };
