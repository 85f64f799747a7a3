import type { Port, Region, ResolvedLocation } from '../../domain/model';

/** Ports and regions exactly as the reference dataset (or a later import) describes them. */
export interface ReferenceData {
  readonly regions: readonly Region[];
  readonly ports: readonly Port[];
}

export interface ReferenceDataCounts {
  readonly regions: number;
  readonly ports: number;
}

/**
 * The operational store: the system of record behind the API (SQLite embedded, MongoDB in
 * production). Methods name domain operations; each `…For…`/`…By…` method takes many keys and answers
 * in the same order, one list or `undefined` per key, so that per-request DataLoaders can batch them.
 */
export interface OperationalStore {
  portsByCodes(codes: readonly string[]): Promise<(Port | undefined)[]>;
  regionsBySlugs(slugs: readonly string[]): Promise<(Region | undefined)[]>;
  /** Direct child regions of each parent. */
  childRegionsFor(parentSlugs: readonly string[]): Promise<Region[][]>;
  /** Every port in each region or in any region below it, ordered by code. */
  portsWithinRegions(slugs: readonly string[]): Promise<Port[][]>;
  allPorts(): Promise<Port[]>;
  allRegions(): Promise<Region[]>;
  /** A port code or a region slug to the ports it stands for; undefined when it names nothing. */
  resolveLocation(id: string): Promise<ResolvedLocation | undefined>;
  /** Inserts or updates ports and regions; running it twice with the same data changes nothing. */
  upsertReferenceData(data: ReferenceData): Promise<ReferenceDataCounts>;
  referenceDataCounts(): Promise<ReferenceDataCounts>;
  close(): Promise<void>;
}
