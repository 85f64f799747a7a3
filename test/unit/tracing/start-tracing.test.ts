import { loadConfig } from '../../../src/config';
import { startTracing } from '../../../src/tracing';

describe('startTracing', () => {
  it('traces nothing without OTEL_EXPORTER_OTLP_ENDPOINT (and an empty one is unset)', () => {
    expect(startTracing(loadConfig({}).tracing, 'rateline-api')).toBeUndefined();
    expect(startTracing(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).tracing, 'rateline-api')).toBeUndefined();
  });

  it('reads the collector base URL without its trailing slash, and OTEL_SERVICE_NAME', () => {
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'rateline-api-eu' })
        .tracing,
    ).toEqual({ otlpEndpoint: 'http://collector:4318', serviceName: 'rateline-api-eu' });
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
