/**
 * The SQLite write thread keeps a process alive exactly while it has requests in hand: a script that
 * records a batch and leaves its store open gets its answer, then ends, as it did before the thread
 * existed (seen: jest's workers were force-exited, the thread's message listener held them; unref'd
 * for good, a script's batch would be cut short when nothing else kept the process running).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { removeDataDir, temporaryDataDir } from '../../helpers/components';

const DIST = path.resolve(__dirname, '..', '..', '..', 'dist', 'src', 'stores', 'operational', 'sqlite', 'open.js');

/** Far longer than the script needs; a process the thread holds would run until it is killed. */
const HANG_MS = 20_000;

it('answers a batch of a script that left its store open, and then lets the script end', () => {
  const dataDir = temporaryDataDir();
  try {
    const script = `
      const { openSqliteOperationalStore } = require(${JSON.stringify(DIST)});
      const store = openSqliteOperationalStore({ dataDir: ${JSON.stringify(dataDir)} });
      store.batches.record({
        id: 'b1', owner: 'x', idempotencyKey: 'k', requestHash: 'h', status: 'REJECTED', skipInvalid: false,
        itemCount: 0, errors: [], createdAt: new Date(), prices: [],
      }).then((outcome) => console.log(outcome.kind));`;
    const run = spawnSync(process.execPath, ['-e', script], { timeout: HANG_MS, encoding: 'utf8' });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('created');
  } finally {
    removeDataDir(dataDir);
  }
});
