#!/usr/bin/env node
// Entry point of the `swarmsim` executable.
import { main } from './main.js';

process.exitCode = main(process.argv.slice(2));
