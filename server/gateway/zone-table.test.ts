import { describe, expect, test } from 'bun:test';
import { StaleTerm } from '../shared/errors.ts';
import { applyZones, EMPTY_TABLE, parseZoneList, zoneOf } from './zone-table.ts';

const z = (zone: string, port: number) => ({ zone, url: `http://127.0.0.1:${port}` });

describe('the zone table', () => {
  test('a push replaces the zones and says which balancers to add and remove', () => {
    const first = applyZones(EMPTY_TABLE, [z('zone2', 8002), z('zone1', 8001)], 3);
    expect(first.next).toEqual({ term: 3, zones: [z('zone1', 8001), z('zone2', 8002)] });
    expect(first.add.sort()).toEqual(['http://127.0.0.1:8001', 'http://127.0.0.1:8002']);
    const second = applyZones(first.next, [z('zone1', 8001), z('zone3', 8003)], 4);
    expect(second.add).toEqual(['http://127.0.0.1:8003']);
    expect(second.remove).toEqual(['http://127.0.0.1:8002']);
  });

  test('a push at the same term is accepted, an older term is refused and changes nothing', () => {
    const t = applyZones(EMPTY_TABLE, [z('zone1', 8001)], 5).next;
    expect(applyZones(t, [z('zone1', 8001)], 5).add).toEqual([]);
    expect(() => applyZones(t, [], 4)).toThrow(StaleTerm);
    expect(t.zones).toHaveLength(1);
  });

  test('URLs are kept as origins and map back to their zone', () => {
    const t = applyZones(EMPTY_TABLE, [{ zone: 'zone1', url: 'http://127.0.0.1:8001/' }], 1).next;
    expect(zoneOf(t, 'http://127.0.0.1:8001')).toBe('zone1');
    expect(zoneOf(t, 'http://127.0.0.1:9')).toBeNull();
  });

  test('the --zones flag is parsed, and a malformed entry is named', () => {
    expect(parseZoneList('zone1=http://127.0.0.1:8001, zone2=http://127.0.0.1:8002')).toEqual([
      z('zone1', 8001),
      z('zone2', 8002),
    ]);
    expect(parseZoneList('')).toEqual([]);
    expect(() => parseZoneList('zone1:8001')).toThrow('zone1:8001');
  });
});
