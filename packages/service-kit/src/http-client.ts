import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { CORRELATION_ID_HEADER, currentCorrelationId } from './logging/correlation';

export interface HttpClientOptions extends CreateAxiosDefaults {
  /** Every peer call has a deadline; there is no default on purpose. */
  timeout: number;
}

/** An axios client for calls to a peer service, carrying the current request's correlation id. */
export function createHttpClient(options: HttpClientOptions): AxiosInstance {
  const client = axios.create(options);
  client.interceptors.request.use((request) => {
    const id = currentCorrelationId();
    if (id && !request.headers.has(CORRELATION_ID_HEADER)) request.headers.set(CORRELATION_ID_HEADER, id);
    return request;
  });
  return client;
}
