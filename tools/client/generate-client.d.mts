/** Where the generated files of libs/client live. */
export declare const GENERATED_DIR: string;
/** The generated files of libs/client, by file name, for one OpenAPI document. */
export declare function renderClient(document: unknown): Promise<Record<string, string>>;
