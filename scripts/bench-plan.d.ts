type FlagType = 'boolean' | 'string';
export interface Benchmark {
    name: string;
    script: string;
    flags: Record<string, FlagType>;
}
/** The flags each benchmark reads (its own parseArgs table; keep in step with it). */
export declare const BENCHMARKS: Benchmark[];
export declare class BenchUsageError extends Error {
}
/** Each benchmark with the arguments it gets from `argv` (the flags after `npm run bench --`). */
export declare function benchPlan(argv: string[], benchmarks?: Benchmark[]): {
    bench: Benchmark;
    args: string[];
}[];
export {};
