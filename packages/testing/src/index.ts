export * from './openapi-checks';
export * from './stand-in-answers';
export * from './pacts';
export * from './helpers';
export * from './stand-in';
export * from './stand-ins';
export * from './launched-process';
export * from './otlp-receiver';
