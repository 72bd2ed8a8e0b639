/** Roster's version and install folder, found from wherever this module runs (src/ or a build of it). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The folder holding Roster's package.json: the parent of src/, or of the build in dist/<hash>/. */
function installRoot(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'roster') return dir;
    } catch {
      // not here; look further up
    }
    if (path.dirname(dir) === dir)
      throw new Error(`Roster's package.json is not above ${import.meta.dirname}`);
  }
}

export const INSTALL_ROOT = installRoot();

export const VERSION: string = (
  JSON.parse(readFileSync(path.join(INSTALL_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
