// The commands a scenario can run, by name.
import type { Program } from './program.js';

export const programs = new Map<string, Program>();

export function register(name: string, program: Program): void {
  programs.set(name, program);
}
