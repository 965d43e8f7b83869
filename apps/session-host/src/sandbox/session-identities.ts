import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface UidRange {
  first: number;
  last: number;
}

const MAP_FILE = '.uids.json';

/**
 * The OS identities sessions run as, from sessionHost.sandbox.uidRange: one kept for good per IAM user (so their
 * home stays theirs), recorded in homeRoot/.uids.json, or one lent to a single session (ephemeral homes). Two
 * users never share a uid, and the services' own uid is never handed out.
 */
export class SessionIdentities {
  private readonly lent = new Set<number>();
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly range: UidRange,
    private readonly mapFile: string,
    private readonly byUser: Map<string, number>,
    private readonly reserved: ReadonlySet<number>,
  ) {}

  static async open(
    range: UidRange,
    homeRoot: string,
    reserved: Iterable<number>,
  ): Promise<SessionIdentities> {
    await mkdir(homeRoot, { recursive: true, mode: 0o711 });
    const mapFile = join(homeRoot, MAP_FILE);
    const byUser = new Map<string, number>();
    try {
      const stored = JSON.parse(await readFile(mapFile, 'utf8')) as Record<string, unknown>;
      for (const [userId, uid] of Object.entries(stored)) {
        if (typeof uid === 'number' && uid >= range.first && uid <= range.last) byUser.set(userId, uid);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new SessionIdentities(range, mapFile, byUser, new Set(reserved));
  }

  /** The user's own uid, given on their first session and kept (written before it is used). */
  async forUser(userId: string): Promise<number> {
    const known = this.byUser.get(userId);
    if (known !== undefined) return known;
    const uid = this.free();
    this.byUser.set(userId, uid);
    const save = this.writing.then(() => this.save());
    this.writing = save.catch(() => undefined);
    await save;
    return uid;
  }

  /** A uid for one session only; give it back with giveBack() once every process of the session is gone. */
  lend(): number {
    const uid = this.free();
    this.lent.add(uid);
    return uid;
  }

  giveBack(uid: number): void {
    this.lent.delete(uid);
  }

  private free(): number {
    const taken = new Set([...this.byUser.values(), ...this.lent, ...this.reserved]);
    for (let uid = this.range.first; uid <= this.range.last; uid++) if (!taken.has(uid)) return uid;
    throw new Error(
      `every uid of sessionHost.sandbox.uidRange (${this.range.first}-${this.range.last}) is taken`,
    );
  }

  private async save(): Promise<void> {
    const temporary = `${this.mapFile}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(Object.fromEntries(this.byUser), null, 1)}\n`, {
      mode: 0o600,
    });
    await rename(temporary, this.mapFile);
  }
}
