/**
 * What test/global-setup.ts hands to every test file through vitest's provide/inject: the
 * addresses of the one stack started for the whole run.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    mongodbUri: string;
    /** 'ferretdb', 'mongod', 'external' or 'mongodb-memory-server': some tests note FerretDB gaps. */
    mongoKind: string;
  }
}

export {};
