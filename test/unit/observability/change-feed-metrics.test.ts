/**
 * The MongoDB change feed's restarts from a snapshot, as the composition root wires them
 * (`openMongoOperationalStore({ feedEvents: changeFeedMetrics })`): one counter, labelled by reason.
 */
import { changeFeedMetrics, metricsText } from '../../../src/observability/metrics';

const sample = (text: string, reason: string): string | undefined =>
  text
    .split('\n')
    .find((line) => line.startsWith(`rateline_change_feed_restarts_total{reason="${reason}"} `))
    ?.split(' ')[1];

it('counts each restart under its reason', async () => {
  changeFeedMetrics.restartRequired('history-lost');
  changeFeedMetrics.restartRequired('history-lost');
  changeFeedMetrics.restartRequired('pipeline-changed');
  const text = await metricsText();
  expect(sample(text, 'history-lost')).toBe('2');
  expect(sample(text, 'pipeline-changed')).toBe('1');
  expect(sample(text, 'snapshot-too-old')).toBeUndefined();
});
