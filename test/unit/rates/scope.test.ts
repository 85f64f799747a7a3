import { widenedScopes, type Ancestry } from '../../../src/rates/scope';

// From the reference data: CNSGH lies in china_east_main, below the top-level china_main; SESTO in
// stockholm_area, below scandinavia, below the top-level northern_europe.
const CNSGH: Ancestry = [
  { kind: 'port', id: 'CNSGH' },
  { kind: 'region', id: 'china_east_main' },
  { kind: 'region', id: 'china_main' },
];
const SESTO: Ancestry = [
  { kind: 'port', id: 'SESTO' },
  { kind: 'region', id: 'stockholm_area' },
  { kind: 'region', id: 'scandinavia' },
  { kind: 'region', id: 'northern_europe' },
];
const STOCKHOLM_AREA: Ancestry = [
  { kind: 'region', id: 'stockholm_area' },
  { kind: 'region', id: 'scandinavia' },
  { kind: 'region', id: 'northern_europe' },
];

describe('widenedScopes (the PARENT_REGIONS fallback)', () => {
  it('starts with the lane asked for and moves both sides one level up per step', () => {
    expect(widenedScopes(CNSGH, STOCKHOLM_AREA)).toEqual([
      {
        origin: { kind: 'port', id: 'CNSGH', levelsUp: 0 },
        destination: { kind: 'region', id: 'stockholm_area', levelsUp: 0 },
      },
      {
        origin: { kind: 'region', id: 'china_east_main', levelsUp: 1 },
        destination: { kind: 'region', id: 'scandinavia', levelsUp: 1 },
      },
      {
        origin: { kind: 'region', id: 'china_main', levelsUp: 2 },
        destination: { kind: 'region', id: 'northern_europe', levelsUp: 2 },
      },
    ]);
  });

  it('keeps a side at its top-level region while the other still moves up', () => {
    expect(widenedScopes(CNSGH, SESTO)).toEqual([
      {
        origin: { kind: 'port', id: 'CNSGH', levelsUp: 0 },
        destination: { kind: 'port', id: 'SESTO', levelsUp: 0 },
      },
      {
        origin: { kind: 'region', id: 'china_east_main', levelsUp: 1 },
        destination: { kind: 'region', id: 'stockholm_area', levelsUp: 1 },
      },
      {
        origin: { kind: 'region', id: 'china_main', levelsUp: 2 },
        destination: { kind: 'region', id: 'scandinavia', levelsUp: 2 },
      },
      {
        origin: { kind: 'region', id: 'china_main', levelsUp: 2 },
        destination: { kind: 'region', id: 'northern_europe', levelsUp: 3 },
      },
    ]);
  });

  it('does the same when the deeper side is the origin', () => {
    expect(
      widenedScopes(SESTO, [{ kind: 'region', id: 'china_main' }]).map((s) => [s.origin.id, s.destination.id]),
    ).toEqual([
      ['SESTO', 'china_main'],
      ['stockholm_area', 'china_main'],
      ['scandinavia', 'china_main'],
      ['northern_europe', 'china_main'],
    ]);
  });

  it('has nothing wider to offer when both sides are top-level regions', () => {
    expect(widenedScopes([{ kind: 'region', id: 'china_main' }], [{ kind: 'region', id: 'northern_europe' }])).toEqual([
      {
        origin: { kind: 'region', id: 'china_main', levelsUp: 0 },
        destination: { kind: 'region', id: 'northern_europe', levelsUp: 0 },
      },
    ]);
  });
});
