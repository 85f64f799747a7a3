import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Port, Region } from '../../domain/model';
import type { RequestContext } from '../context';
import { LIST_COMPLEXITY } from '../limits';
import { PortType, RegionType } from '../types/location-types';

@Resolver(() => PortType)
export class PortResolver {
  @Authorized('read')
  @Query(() => PortType, { nullable: true, description: 'One port by code; null when no port has it.' })
  port(@Arg('code', () => String) code: string, @Ctx() ctx: RequestContext): Promise<Port | undefined> {
    return ctx.locations.port(code);
  }

  @Authorized('read')
  @Query(() => [PortType], { description: 'Every port, ordered by code.', complexity: LIST_COMPLEXITY })
  ports(@Ctx() ctx: RequestContext): Promise<Port[]> {
    return ctx.locations.ports();
  }

  @FieldResolver(() => RegionType, { description: 'The region that directly holds the port.' })
  region(@Root() port: Port, @Ctx() ctx: RequestContext): Promise<Region> {
    return ctx.locations.regionOf(port);
  }
}

@Resolver(() => RegionType)
export class RegionResolver {
  @Authorized('read')
  @Query(() => RegionType, { nullable: true, description: 'One region by slug; null when no region has it.' })
  region(@Arg('slug', () => String) slug: string, @Ctx() ctx: RequestContext): Promise<Region | undefined> {
    return ctx.locations.region(slug);
  }

  @Authorized('read')
  @Query(() => [RegionType], { description: 'Every region, ordered by slug.', complexity: LIST_COMPLEXITY })
  regions(@Ctx() ctx: RequestContext): Promise<Region[]> {
    return ctx.locations.regions();
  }

  @FieldResolver(() => RegionType, { nullable: true, description: 'The region directly above; null at the top.' })
  parent(@Root() region: Region, @Ctx() ctx: RequestContext): Promise<Region | undefined> {
    return ctx.locations.parentOf(region);
  }

  @FieldResolver(() => [RegionType], { description: 'Regions directly below.', complexity: LIST_COMPLEXITY })
  children(@Root() region: Region, @Ctx() ctx: RequestContext): Promise<Region[]> {
    return ctx.locations.childrenOf(region);
  }

  @FieldResolver(() => [PortType], {
    description: 'Every port in this region or in any region below it.',
    complexity: LIST_COMPLEXITY,
  })
  ports(@Root() region: Region, @Ctx() ctx: RequestContext): Promise<Port[]> {
    return ctx.locations.portsWithin(region);
  }
}
