export interface ColourTarget {
    isTTY?: boolean;
}
export declare function useColour(stream: ColourTarget, env?: NodeJS.ProcessEnv): boolean;
/** `text` in bold where colour is on, else as it is. */
export declare function bold(text: string, stream?: ColourTarget, env?: NodeJS.ProcessEnv): string;
