export { LocationsService, LocationsReader } from './locations-service';
