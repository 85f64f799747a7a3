import type { LanePorts } from '../ports';

/** False when either side of the lane has no port: no price can match, so no query is sent. */
export function hasPorts(lane: LanePorts): boolean {
  return lane.originPorts.length > 0 && lane.destinationPorts.length > 0;
}
