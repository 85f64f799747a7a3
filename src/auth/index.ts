export {
  ANONYMOUS,
  ApiKeyAuthenticator,
  generateApiKey,
  hashApiKey,
  OPEN_ACCESS,
  presentedApiKey,
  requireRole,
  type Principal,
} from './api-keys';
