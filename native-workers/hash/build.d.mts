export declare const STREAMS: number;
export declare const MAX_FOUND: number;
export declare const PARAMS: number;
export declare const FOUND: number;
export declare const LEFT: number;
export declare function hashWat(streams?: number): string;
export declare function build(opts: { root?: string; outDir: string; quiet?: boolean }): Promise<void>;
export declare function buildNative(opts: { root?: string; outDir: string; quiet?: boolean }): void;
