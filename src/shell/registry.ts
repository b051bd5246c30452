// The commands a scenario can run, by name: the host's userland, and busybox's versions of the
// tools whose output differs (used inside busybox and alpine containers).
import type { Flavor, Program } from './program.js';

export const programs = new Map<string, Program>();
export const busyboxPrograms = new Map<string, Program>();

export function register(name: string, program: Program): void {
  programs.set(name, program);
}

export function registerBusybox(name: string, program: Program): void {
  busyboxPrograms.set(name, program);
}

export function lookupProgram(name: string, flavor: Flavor): Program | undefined {
  return (flavor === 'busybox' ? busyboxPrograms.get(name) : undefined) ?? programs.get(name);
}
