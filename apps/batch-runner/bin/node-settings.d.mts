export declare const RUNNER_V8_FLAGS: readonly string[];
export declare const RUNNER_ENV: Readonly<Record<string, string>>;
export declare function runnerNodeFlags(env?: NodeJS.ProcessEnv): string[];
export declare function runnerEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function stripsTypes(version: string): boolean;
export declare function typeScriptLoaderFlags(version: string): string[];
