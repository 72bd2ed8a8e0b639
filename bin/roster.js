#!/usr/bin/env node
// Runs the build of src/ (compiled by esbuild when the sources change, scripts/server-build.mjs); where
// it cannot be built, runs the TypeScript through tsx's loader instead. No build step to remember.
import { pathToFileURL } from 'node:url';
import { serverEntry } from '../scripts/server-build.mjs';

const entry = await serverEntry();
let cli;
if (entry) {
  cli = await import(pathToFileURL(entry).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
await cli.run(process.argv.slice(2));
