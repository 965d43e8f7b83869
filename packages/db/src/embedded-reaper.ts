// Started beside an embedded PostgreSQL by the process that owns it: PostgreSQL does not notice its parent
// dying, so once that owner is gone (re-parented: SIGKILL, a crash) this asks the server for a fast shutdown
// rather than leave it holding its port and data directory. Argument: the data directory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const CHECK_MS = 1_000;
const dataDir = process.argv[2];
const owner = process.ppid;

if (dataDir === undefined) {
  process.stderr.write('usage: embedded-reaper <data directory>\n');
  process.exit(2);
}

setInterval(() => {
  if (process.ppid === owner) return;
  try {
    // postmaster.pid's first line is the server's pid; SIGINT is PostgreSQL's fast shutdown.
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
  } catch {
    // Stopped already.
  }
  process.exit(0);
}, CHECK_MS);
