import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { CORRELATION_ID_HEADER, currentCorrelationId, currentSpan } from './http/request-context';
import { traceContextHeaders } from './tracing/service-tracing';

export interface HttpClientOptions extends CreateAxiosDefaults {
  /** Every peer call has a deadline; there is no default on purpose. */
  timeout: number;
}

/** An axios client for calls to a peer service, carrying the current request's correlation id and trace context. */
export function createHttpClient(options: HttpClientOptions): AxiosInstance {
  const client = axios.create(options);
  client.interceptors.request.use((request) => {
    const id = currentCorrelationId();
    if (id && !request.headers.has(CORRELATION_ID_HEADER)) request.headers.set(CORRELATION_ID_HEADER, id);
    const span = currentSpan();
    if (span)
      for (const [name, value] of Object.entries(traceContextHeaders(span))) request.headers.set(name, value);
    return request;
  });
  return client;
}
