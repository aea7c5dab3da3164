#!/usr/bin/env node
// The published entry point runs the compiled CLI; `npm run build` produces it.
import { main } from '../dist/src/cli/main.js';

main(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
