export { LocationsService, LocationsReader, type LocationLookups } from './locations-service';
