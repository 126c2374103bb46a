/**
 * Global setup of the real-cluster tier: builds (or finds in the cache) the pinned components and
 * hands their folder to the scenarios in E2E_BIN. A build failure fails the tier: never a stand-in.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { componentVersions } from './versions';

export default async function globalSetup(): Promise<void> {
  const script = path.join(__dirname, 'build-components.sh');
  const bin = execFileSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim().split('\n').pop()!;
  if (!fs.existsSync(path.join(bin, '.complete'))) throw new Error(`build-components.sh gave no complete folder: ${bin}`);
  process.env.E2E_BIN = bin;
  process.stderr.write(`\nreal-cluster tier: ${componentVersions(bin)}\n`);
}
