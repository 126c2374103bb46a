import * as fs from 'fs';
import * as path from 'path';
import { helm } from '../helm';

/** One line naming every component's version, for the log and the JUnit report. */
export function componentVersions(bin: string): string {
  const built = JSON.parse(fs.readFileSync(path.join(bin, 'versions.json'), 'utf8'));
  const helmVersion = helm('version', '--template', '{{.Version}}').trim();
  return `kubernetes ${built.kubernetes} (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl), kine ${built.kine}, ` +
    `kwok ${built.kwok}, minio ${built.minio}, mc ${built.mc}, helm ${helmVersion}, built with ${built.go}`;
}
