import * as path from 'path';
import { busyboxCandidates, busyboxPath } from './helpers';

// The test suite's only system prerequisite is busybox: its absence must fail the run with the
// way to get it, never skip the busybox tests (a silent skip hides the alpine images' shell).
describe('busybox, the tests\' one system prerequisite', () => {
  test('GIVEN no busybox anywhere WHEN a busybox test looks for it THEN it fails saying how to install it', () => {
    expect(() => busyboxPath(['/nonexistent/bin/busybox'])).toThrow(
      /busybox not found \(looked for \/nonexistent\/bin\/busybox\)\.[\s\S]*`sudo apt-get install busybox` \(Debian, Ubuntu\)/);
  });

  test('GIVEN busybox on PATH THEN it is looked for there first, then in /usr/bin and /bin', () => {
    const saved = process.env.PATH;
    process.env.PATH = ['/opt/tools/bin', '/usr/local/bin'].join(path.delimiter);
    try {
      expect(busyboxCandidates()).toEqual(['/opt/tools/bin/busybox', '/usr/local/bin/busybox', '/usr/bin/busybox', '/bin/busybox']);
    } finally {
      process.env.PATH = saved;
    }
  });
});
