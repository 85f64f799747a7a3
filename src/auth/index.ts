export {
  ANONYMOUS,
  ApiKeyAuthenticator,
  batchActorOf,
  generateApiKey,
  hashApiKey,
  OPEN_ACCESS,
  presentedApiKey,
  presentedConnectionApiKey,
  requireRole,
  type Principal,
} from './api-keys';
export { readApiKeys, type ApiKeyConfig } from './api-key-config';
export {
  reloadApiKeysOnChange,
  type ApiKeyReloader,
  type ApiKeyReloadEvents,
  type ApiKeySources,
} from './api-key-reload';
export { ROLES, type Role } from './roles';
