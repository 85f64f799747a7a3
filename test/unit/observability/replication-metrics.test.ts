import { metricsText, observeReplication } from '../../../src/observability/metrics';

const gauge = (text: string, name: string): number | undefined => {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
};

describe('the replication gauges', () => {
  it('show the status read at this scrape, every one of them (not what the previous scrape left)', async () => {
    let status = { lagMs: 5_000, pendingChanges: 7 };
    const stop = observeReplication({ status: () => Promise.resolve(status) });
    try {
      const first = await metricsText();
      expect(gauge(first, 'rateline_replication_lag_seconds')).toBe(5);
      expect(gauge(first, 'rateline_replication_pending_changes')).toBe(7);
      expect(gauge(first, 'rateline_replication_status_up')).toBe(1);
      status = { lagMs: 0, pendingChanges: 0 };
      const second = await metricsText();
      expect(gauge(second, 'rateline_replication_lag_seconds')).toBe(0);
      expect(gauge(second, 'rateline_replication_pending_changes')).toBe(0);
    } finally {
      stop();
    }
  });

  it('say the status is stale when it cannot be read', async () => {
    const stop = observeReplication({ status: () => Promise.reject(new Error('store down')) });
    try {
      expect(gauge(await metricsText(), 'rateline_replication_status_up')).toBe(0);
    } finally {
      stop();
    }
  });
});
