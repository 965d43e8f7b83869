import { type WebstreamConfig } from '@webstream/config';

export type RetentionSettings = WebstreamConfig['metricsEngine']['retention'];
export const RETENTION_SETTINGS = Symbol('RETENTION_SETTINGS');
