#!/usr/bin/env node
// Runs the compiled CLI (`npm run build` produces dist/; `npm install` runs it).
import '../dist/cli/entry.js';
