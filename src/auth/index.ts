export {
  ANONYMOUS,
  ApiKeyAuthenticator,
  generateApiKey,
  hashApiKey,
  OPEN_ACCESS,
  presentedApiKey,
  presentedConnectionApiKey,
  requireRole,
  type Principal,
} from './api-keys';
export { readApiKeys, type ApiKeyConfig } from './api-key-config';
export { ROLES, type Role } from './roles';
