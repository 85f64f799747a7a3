import { mayPrune, replicasToRetire, type ReplicaRecord, type RetentionPolicy } from '../../../src/domain/retention';

const policy: RetentionPolicy = { retentionMs: 60_000, retireAfterMs: 3_600_000 };
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const replica = (replicaId: string, heardAtMs: number, retiredAtMs?: number): ReplicaRecord => ({
  replicaId,
  registeredAt: at(0),
  heardAt: at(heardAtMs),
  retiredAt: retiredAtMs === undefined ? null : at(retiredAtMs),
});
const candidate = (countedAtMs: number, ...acknowledgedBy: string[]) => ({
  batchId: 'b1',
  countedAt: at(countedAtMs),
  acknowledgedBy: new Set(acknowledgedBy),
});

describe('retention rules', () => {
  const replicas = [replica('a', 0), replica('b', 0)];

  it('lets a batch go once counted longer ago than the retention and acknowledged by every active replica', () => {
    expect(mayPrune(candidate(0, 'a', 'b'), replicas, policy, at(60_000))).toBe(true);
    expect(mayPrune(candidate(1, 'a', 'b'), replicas, policy, at(60_000))).toBe(false);
    expect(mayPrune(candidate(0, 'a'), replicas, policy, at(120_000))).toBe(false);
  });

  it('does not wait for a retired replica, and keeps everything while no replica is active', () => {
    const withRetired = [replica('a', 0), replica('b', 0, 10)];
    expect(mayPrune(candidate(0, 'a'), withRetired, policy, at(60_000))).toBe(true);
    expect(mayPrune(candidate(0, 'b'), [replica('b', 0, 10)], policy, at(60_000))).toBe(false);
    expect(mayPrune(candidate(0), [], policy, at(60_000))).toBe(false);
  });

  it('retires the active replicas silent for longer than the retirement period, only those', () => {
    const known = [replica('quiet', 0), replica('busy', 3_000_000), replica('gone', 0, 5)];
    expect(replicasToRetire(known, policy, at(3_600_000))).toEqual([]);
    expect(replicasToRetire(known, policy, at(3_600_001))).toEqual(['quiet']);
  });
});
