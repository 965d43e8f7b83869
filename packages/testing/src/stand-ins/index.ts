export * from './gateway';
export * from './metrics-engine';
export * from './session-host';
export * from './streamer';
