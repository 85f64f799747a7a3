export { connectRedis, type RedisConnection } from './connection';
