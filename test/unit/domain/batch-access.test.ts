import { mayActOn, restoredStatus } from '../../../src/domain/batch-rules';

describe('who acts on a batch', () => {
  const supplier = { name: 'supplier-a', seesAll: false };
  const admin = { name: 'ops', seesAll: true };

  it('lets a supplier act on its own batches only, and an admin on every batch, no supplier’s included', () => {
    expect(mayActOn(supplier, { owner: 'supplier-a' })).toBe(true);
    expect(mayActOn(supplier, { owner: 'supplier-b' })).toBe(false);
    expect(mayActOn(supplier, { owner: null })).toBe(false);
    expect(mayActOn({ name: 'open access', seesAll: false }, { owner: null })).toBe(false);
    expect(['supplier-a', 'supplier-b', null].map((owner) => mayActOn(admin, { owner }))).toEqual([true, true, true]);
  });

  it('restores a batch to what it was retracted from: ACCEPTED with prices, REJECTED without', () => {
    expect(restoredStatus({ acceptedCount: 53_056 })).toBe('ACCEPTED');
    expect(restoredStatus({ acceptedCount: 0 })).toBe('REJECTED');
  });
});
