/**
 * The real `Registry` on Redis (ioredis), as the source design keeps its ground truth. Keys, all
 * under `<prefix>` (default `zonescale:<cluster>:`): `term` (the stored leader term, an integer),
 * `leader` (LeaderInfo JSON), `containers` (hash id → ContainerRecord JSON), `zone:<zone>` (set of
 * container ids), `events` (list of ClusterEvent JSON, newest first) and `event-ids` (set). Every
 * write is one Lua script, so it runs atomically across keys and checks the term fence inside the
 * same step (a write with a term older than `term` answers `stale` and changes nothing);
 * `claimLeadership` is a compare-and-set script. Redis runs with `appendonly yes`
 * (scripts/services.sh), so a restart loses nothing; while Redis is down calls fail after
 * `REDIS_COMMAND_TIMEOUT_MS` rather than hang, and ioredis reconnects on its own.
 */
import Redis from 'ioredis';
import { StaleTerm } from '../../shared/errors.ts';
import { assertTerm } from '../../shared/term.ts';
import type { ClusterEvent, ContainerRecord, LeaderInfo, ZoneId } from '../../shared/types.ts';
import type { Registry } from '../registry.ts';

/** How long one registry call waits for Redis before failing, ms. */
export const REDIS_COMMAND_TIMEOUT_MS = 3_000;

/** Events kept (the `Registry.appendEvent` contract: the newest 500). */
export const REDIS_EVENT_CAP = 500;

/** Shared Lua prologue: KEYS[1] is the term key, ARGV[1] the offered term. */
const FENCE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local offered = tonumber(ARGV[1])
if offered < current then return {'stale', current} end
`;

/**
 * KEYS: term, leader. ARGV: expected term, next term, leader JSON, claimant id, now ('' = no clock).
 * Returns 1 when stored. With a clock, another id's unexpired `leaseUntil` bars the claim (`leaseHeld`).
 */
const CLAIM = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local expected = tonumber(ARGV[1])
local nextTerm = tonumber(ARGV[2])
if current ~= expected or nextTerm <= expected then return 0 end
if ARGV[5] ~= '' then
  local raw = redis.call('GET', KEYS[2])
  if raw then
    local stored = cjson.decode(raw)
    local lease = tonumber(stored['leaseUntil'] or 0)
    if stored['id'] ~= tonumber(ARGV[4]) and lease > tonumber(ARGV[5]) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return 1`;

/** KEYS: term, leader. ARGV: term, until. Sets the stored leader's `leaseUntil` when its term is `term`. */
const RENEW = `
local raw = redis.call('GET', KEYS[2])
if not raw or tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
local stored = cjson.decode(raw)
stored['leaseUntil'] = tonumber(ARGV[2])
redis.call('SET', KEYS[2], cjson.encode(stored))
return 1`;

/** KEYS: term, containers, zone set prefix. ARGV: term, id, zone, record JSON. */
const PUT = `${FENCE}
local old = redis.call('HGET', KEYS[2], ARGV[2])
if old then
  local oldZone = cjson.decode(old)['zone']
  if oldZone ~= ARGV[3] then redis.call('SREM', KEYS[3] .. oldZone, ARGV[2]) end
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
redis.call('SADD', KEYS[3] .. ARGV[3], ARGV[2])
return {'ok', 1}`;

/** KEYS: term, containers, zone set prefix. ARGV: term, id. Returns {'ok', 1|0}. */
const REMOVE = `${FENCE}
local old = redis.call('HGET', KEYS[2], ARGV[2])
if not old then return {'ok', 0} end
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3] .. cjson.decode(old)['zone'], ARGV[2])
return {'ok', 1}`;

/** KEYS: term, events, event-ids. ARGV: term, id, event JSON, cap. */
const APPEND = `${FENCE}
if redis.call('SISMEMBER', KEYS[3], ARGV[2]) == 1 then return {'ok', 0} end
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[2])
local cap = tonumber(ARGV[4])
while redis.call('LLEN', KEYS[2]) > cap do
  local dropped = redis.call('RPOP', KEYS[2])
  redis.call('SREM', KEYS[3], cjson.decode(dropped)['id'])
end
return {'ok', 1}`;

/** Options of `RedisRegistry`. */
export interface RedisRegistryOptions {
  /** `redis://host:port[/db]` (env REDIS_URL). */
  url: string;
  /** Key prefix; select.ts passes `zonescale:<cluster>:`. */
  prefix: string;
}

type ScriptReply = ['stale' | 'ok', number];

/** Stored leader JSON back to `LeaderInfo`, key order fixed (cjson re-encoding reorders keys). */
function toLeader(l: LeaderInfo): LeaderInfo {
  const out: LeaderInfo = { id: l.id, url: l.url, term: l.term, since: l.since };
  if (l.leaseUntil !== undefined) out.leaseUntil = l.leaseUntil;
  return out;
}

/** A `Registry` in Redis at `url`, its keys under `prefix`. */
export class RedisRegistry implements Registry {
  private readonly redis: Redis;
  private readonly k: {
    term: string;
    leader: string;
    containers: string;
    zone: string;
    events: string;
    eventIds: string;
  };

  constructor(opts: RedisRegistryOptions) {
    this.redis = new Redis(opts.url, {
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    });
    // Connection errors surface on the calls that fail; ioredis keeps reconnecting meanwhile.
    this.redis.on('error', () => {});
    const p = opts.prefix;
    this.k = {
      term: `${p}term`,
      leader: `${p}leader`,
      containers: `${p}containers`,
      zone: `${p}zone:`,
      events: `${p}events`,
      eventIds: `${p}event-ids`,
    };
  }

  async leader(): Promise<LeaderInfo | null> {
    const raw = await this.redis.get(this.k.leader);
    return raw ? toLeader(JSON.parse(raw) as LeaderInfo) : null;
  }

  async claimLeadership(expectedTerm: number, next: LeaderInfo, now?: number): Promise<boolean> {
    assertTerm(expectedTerm);
    assertTerm(next.term);
    const won = await this.redis.eval(
      CLAIM,
      2,
      this.k.term,
      this.k.leader,
      expectedTerm,
      next.term,
      JSON.stringify(next),
      next.id,
      now ?? '',
    );
    return won === 1;
  }

  async renewLease(term: number, until: number): Promise<boolean> {
    assertTerm(term);
    return (await this.redis.eval(RENEW, 2, this.k.term, this.k.leader, term, until)) === 1;
  }

  async containers(zone?: ZoneId): Promise<ContainerRecord[]> {
    let raws: (string | null)[];
    if (zone === undefined) {
      raws = Object.values(await this.redis.hgetall(this.k.containers));
    } else {
      const ids = await this.redis.smembers(`${this.k.zone}${zone}`);
      raws = ids.length > 0 ? await this.redis.hmget(this.k.containers, ...ids) : [];
    }
    return raws
      .filter((r): r is string => r !== null)
      .map((r) => JSON.parse(r) as ContainerRecord)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async container(id: string): Promise<ContainerRecord | null> {
    const raw = await this.redis.hget(this.k.containers, id);
    return raw ? (JSON.parse(raw) as ContainerRecord) : null;
  }

  async putContainer(record: ContainerRecord, term: number): Promise<void> {
    await this.fenced(
      term,
      PUT,
      [this.k.term, this.k.containers, this.k.zone],
      [record.id, record.zone, JSON.stringify(record)],
    );
  }

  async removeContainer(id: string, term: number): Promise<boolean> {
    return (await this.fenced(term, REMOVE, [this.k.term, this.k.containers, this.k.zone], [id])) === 1;
  }

  async appendEvent(event: ClusterEvent, term: number): Promise<void> {
    await this.fenced(
      term,
      APPEND,
      [this.k.term, this.k.events, this.k.eventIds],
      [event.id, JSON.stringify(event), REDIS_EVENT_CAP],
    );
  }

  async events(limit: number): Promise<ClusterEvent[]> {
    if (limit <= 0) return [];
    const raws = await this.redis.lrange(this.k.events, 0, limit - 1);
    return raws.map((r) => JSON.parse(r) as ClusterEvent);
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  /** Runs a fenced write script; returns its result number. @throws TermOutOfRange; StaleTerm */
  private async fenced(
    term: number,
    script: string,
    keys: string[],
    args: (string | number)[],
  ): Promise<number> {
    assertTerm(term);
    const [status, n] = (await this.redis.eval(script, keys.length, ...keys, term, ...args)) as ScriptReply;
    if (status === 'stale') throw new StaleTerm(term, n);
    return n;
  }
}
