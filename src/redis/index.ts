export { connectRedis, type RedisConnection, type RedisConnectionOptions } from './connection';
