/**
 * How a streamer's Node runs. A session's memory counts: a 1 MB young generation keeps ~20 MB off every
 * streamer (its frames live outside the V8 heap, so a larger one only holds garbage longer), and leaving out
 * --enable-source-maps another ~8 MB (stack traces then name lines of dist/*.js, which tsc keeps readable).
 */
export const STREAMER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=1'];
