#!/usr/bin/env node
// The `retain` binary: runs the TypeScript CLI (cli/main.ts) through tsx's loader in this
// process, resolving paths from the package rather than the caller's working directory.
import { URL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { runAsProcess } = await import(new URL('../cli/main.ts', import.meta.url).href);
await runAsProcess(process.argv.slice(2));
