/**
 * The embedded-default `Registry`: one SQLite file per cluster (`<dataDir>/<cluster>/registry.sqlite`,
 * bun:sqlite). Several monitor processes open the same file — only the leader writes, followers
 * read — so it runs in WAL mode (readers never block the writer) with a busy timeout. Every write
 * runs inside one `BEGIN IMMEDIATE` transaction that first reads the stored leader term: a stale
 * term throws `StaleTerm` and rolls back, so the fencing check and the write are atomic across
 * processes, and so is the compare-and-set of `claimLeadership`.
 */
import type { Database } from 'bun:sqlite';
import { StaleTerm } from '../../shared/errors.ts';
import { assertTerm } from '../../shared/term.ts';
import type { ClusterEvent, ContainerRecord, LeaderInfo, ZoneId } from '../../shared/types.ts';
import { leaseHeld, type Registry } from '../registry.ts';
import { openWalDatabase } from './open-wal.ts';

/** How long a statement waits for another process's write lock before failing, ms. */
export const REGISTRY_BUSY_TIMEOUT_MS = 5_000;

/** Events kept (the `Registry.appendEvent` contract: the newest 500). */
export const REGISTRY_EVENT_CAP = 500;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS leader (
  one   INTEGER PRIMARY KEY CHECK (one = 1),
  id    INTEGER NOT NULL,
  url   TEXT    NOT NULL,
  term  INTEGER NOT NULL,
  since INTEGER NOT NULL,
  lease_until INTEGER
);
CREATE TABLE IF NOT EXISTS containers (
  id         TEXT    PRIMARY KEY,
  role       TEXT    NOT NULL,
  zone       TEXT    NOT NULL,
  url        TEXT    NOT NULL,
  port       INTEGER NOT NULL,
  runtime_id TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  node       TEXT
);
CREATE INDEX IF NOT EXISTS containers_zone ON containers (zone, created_at, id);
CREATE TABLE IF NOT EXISTS events (
  seq  INTEGER PRIMARY KEY AUTOINCREMENT,
  id   TEXT    NOT NULL UNIQUE,
  body TEXT    NOT NULL
);
`;

interface ContainerRow {
  id: string;
  role: ContainerRecord['role'];
  zone: string;
  url: string;
  port: number;
  runtime_id: string;
  created_at: number;
  node: string | null;
}

function toRecord(r: ContainerRow): ContainerRecord {
  return {
    id: r.id,
    role: r.role,
    zone: r.zone,
    url: r.url,
    port: r.port,
    runtimeId: r.runtime_id,
    createdAt: r.created_at,
    ...(r.node === null ? {} : { node: r.node }),
  };
}

/** A `Registry` in the SQLite file at `path` (parent directories are created). */
export class SqliteRegistry implements Registry {
  private readonly db: Database;
  private closed = false;

  constructor(readonly path: string) {
    this.db = openWalDatabase(path, REGISTRY_BUSY_TIMEOUT_MS);
    this.db
      .transaction(() => {
        this.db.run(SCHEMA);
        // Files made before leases existed lack the column.
        const cols = this.db.query<{ name: string }, []>('PRAGMA table_info(leader)').all();
        if (!cols.some((c) => c.name === 'lease_until'))
          this.db.run('ALTER TABLE leader ADD COLUMN lease_until INTEGER');
        // Files made before multi-node runtimes lack the node column.
        const containerCols = this.db.query<{ name: string }, []>('PRAGMA table_info(containers)').all();
        if (!containerCols.some((c) => c.name === 'node'))
          this.db.run('ALTER TABLE containers ADD COLUMN node TEXT');
      })
      .immediate();
  }

  async leader(): Promise<LeaderInfo | null> {
    return this.readLeader();
  }

  async claimLeadership(expectedTerm: number, next: LeaderInfo, now?: number): Promise<boolean> {
    assertTerm(expectedTerm);
    assertTerm(next.term);
    return this.db
      .transaction(() => {
        if (this.storedTerm() !== expectedTerm || next.term <= expectedTerm) return false;
        if (now !== undefined && leaseHeld(this.readLeader(), next.id, now)) return false;
        this.db
          .query(
            `INSERT OR REPLACE INTO leader (one, id, url, term, since, lease_until)
             VALUES (1, $id, $url, $term, $since, $leaseUntil)`,
          )
          .run({
            id: next.id,
            url: next.url,
            term: next.term,
            since: next.since,
            leaseUntil: next.leaseUntil ?? null,
          });
        return true;
      })
      .immediate();
  }

  async renewLease(term: number, until: number): Promise<boolean> {
    assertTerm(term);
    return this.db
      .transaction(
        () =>
          this.db
            .query('UPDATE leader SET lease_until = $until WHERE one = 1 AND term = $term')
            .run({ until, term }).changes > 0,
      )
      .immediate();
  }

  async containers(zone?: ZoneId): Promise<ContainerRecord[]> {
    const rows =
      zone === undefined
        ? this.db.query<ContainerRow, []>('SELECT * FROM containers ORDER BY created_at, id').all()
        : this.db
            .query<ContainerRow, [string]>('SELECT * FROM containers WHERE zone = ? ORDER BY created_at, id')
            .all(zone);
    return rows.map(toRecord);
  }

  async container(id: string): Promise<ContainerRecord | null> {
    const row = this.db.query<ContainerRow, [string]>('SELECT * FROM containers WHERE id = ?').get(id);
    return row ? toRecord(row) : null;
  }

  async putContainer(record: ContainerRecord, term: number): Promise<void> {
    this.fenced(term, () => {
      this.db
        .query(
          `INSERT OR REPLACE INTO containers (id, role, zone, url, port, runtime_id, created_at, node)
           VALUES ($id, $role, $zone, $url, $port, $runtimeId, $createdAt, $node)`,
        )
        .run({ ...record, node: record.node ?? null });
    });
  }

  async removeContainer(id: string, term: number): Promise<boolean> {
    return this.fenced(term, () => this.db.query('DELETE FROM containers WHERE id = ?').run(id).changes > 0);
  }

  async appendEvent(event: ClusterEvent, term: number): Promise<void> {
    this.fenced(term, () => {
      this.db
        .query('INSERT OR IGNORE INTO events (id, body) VALUES (?, ?)')
        .run(event.id, JSON.stringify(event));
      this.db
        .query('DELETE FROM events WHERE seq NOT IN (SELECT seq FROM events ORDER BY seq DESC LIMIT ?)')
        .run(REGISTRY_EVENT_CAP);
    });
  }

  async events(limit: number): Promise<ClusterEvent[]> {
    const n = Math.max(0, Math.floor(limit));
    const rows = this.db
      .query<{ body: string }, [number]>('SELECT body FROM events ORDER BY seq DESC LIMIT ?')
      .all(n);
    return rows.map((r) => JSON.parse(r.body) as ClusterEvent);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private readLeader(): LeaderInfo | null {
    const row = this.db
      .query<LeaderInfo & { lease_until: number | null }, []>(
        'SELECT id, url, term, since, lease_until FROM leader WHERE one = 1',
      )
      .get();
    if (!row) return null;
    const { lease_until, ...l } = row;
    return lease_until === null ? l : { ...l, leaseUntil: lease_until };
  }

  private storedTerm(): number {
    return this.db.query<{ term: number }, []>('SELECT term FROM leader WHERE one = 1').get()?.term ?? 0;
  }

  /** Runs `write` in one IMMEDIATE transaction after the term check. @throws TermOutOfRange; StaleTerm (rolled back). */
  private fenced<T>(term: number, write: () => T): T {
    assertTerm(term);
    return this.db
      .transaction(() => {
        const stored = this.storedTerm();
        if (term < stored) throw new StaleTerm(term, stored);
        return write();
      })
      .immediate();
  }
}
