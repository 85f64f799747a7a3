// Initiates Rateline's MongoDB sharded cluster; run by the `mongo-init-*` jobs of docker-compose.yml
// with mongosh. Every step is idempotent, so the jobs can run again on every `docker compose up`.
//
//   mongosh --nodb --file init-cluster.js   with INIT_STEP and the settings below in the environment
//
// INIT_STEP=replica-sets  initiates the config server replica set and every shard replica set
// INIT_STEP=sharding      (against mongos) adds the shards, enables sharding and shards the collections
//                         on the keys of docs/operational-store-mongodb.md
//
// CONFIG_REPLICA_SET  "cfg/mongo-cfg-1:27019,mongo-cfg-2:27019,mongo-cfg-3:27019"
// SHARD_REPLICA_SETS  "shard1/mongo-shard1-1:27018,…;shard2/mongo-shard2-1:27018,…" (";" between shards)
// MONGOS              "mongos:27017"
// MONGODB_DATABASE    "rateline"

const env = process.env;
const step = env.INIT_STEP;
const database = env.MONGODB_DATABASE || 'rateline';

function parseReplicaSet(spec) {
  const [name, hosts] = spec.trim().split('/');
  return { name, hosts: hosts.split(',').map((h) => h.trim()) };
}

function waitFor(what, check, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (check()) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    sleep(1000);
  }
}

function initiateReplicaSet(spec, configsvr) {
  const { name, hosts } = parseReplicaSet(spec);
  const admin = new Mongo(hosts[0]).getDB('admin');
  const config = { _id: name, members: hosts.map((host, i) => ({ _id: i, host })) };
  if (configsvr) config.configsvr = true;
  const result = admin.runCommand({ replSetInitiate: config });
  // 23: AlreadyInitialized (a second run).
  if (result.ok !== 1 && result.code !== 23) throw new Error(`replSetInitiate ${name}: ${tojson(result)}`);
  print(`replica set ${name}: ${result.ok === 1 ? 'initiated' : 'already initiated'}`);
  waitFor(`a primary in ${name}`, () => admin.runCommand({ hello: 1 }).isWritablePrimary === true);
}

function shardCluster() {
  const mongos = new Mongo(env.MONGOS);
  const admin = mongos.getDB('admin');
  waitFor('mongos', () => admin.runCommand({ ping: 1 }).ok === 1);
  const existing = admin.runCommand({ listShards: 1 }).shards.map((s) => s._id);
  for (const spec of env.SHARD_REPLICA_SETS.split(';').filter((s) => s.trim())) {
    const { name, hosts } = parseReplicaSet(spec);
    if (existing.includes(name)) {
      print(`shard ${name}: already added`);
      continue;
    }
    const result = admin.runCommand({ addShard: `${name}/${hosts.join(',')}`, name });
    if (result.ok !== 1) throw new Error(`addShard ${name}: ${tojson(result)}`);
    print(`shard ${name}: added`);
  }
  // MongoDB 6+: enableSharding only names the primary shard; it is harmless to repeat.
  admin.runCommand({ enableSharding: database });
  const shard = (collection, key) => {
    const ns = `${database}.${collection}`;
    const result = admin.runCommand({ shardCollection: ns, key });
    // 20: AlreadyInitialized with the same key (a second run).
    if (result.ok !== 1 && !/already (sharded|exists)/i.test(result.errmsg || '') && result.code !== 20) {
      throw new Error(`shardCollection ${ns}: ${tojson(result)}`);
    }
    print(`${ns}: sharded on ${tojson(key)}`);
  };
  // Prices: ranged on _id = "<batchId>:<itemIndex>" (random batch ids spread the writes; one batch is one
  // contiguous range). Batches and idempotency keys: small, read by _id, hashed.
  shard('prices', { _id: 1 });
  shard('batches', { _id: 'hashed' });
  shard('idempotency_keys', { _id: 'hashed' });
  // On an empty cluster, pre-split prices on the first hex digit so writes spread before the balancer acts.
  const prices = mongos.getDB(database).getCollection('prices');
  if (prices.estimatedDocumentCount() === 0) {
    for (const digit of '123456789abcdef') admin.runCommand({ split: `${database}.prices`, middle: { _id: digit } });
  }
  print('sharding configured');
}

if (step === 'replica-sets') {
  initiateReplicaSet(env.CONFIG_REPLICA_SET, true);
  for (const spec of env.SHARD_REPLICA_SETS.split(';').filter((s) => s.trim())) initiateReplicaSet(spec, false);
} else if (step === 'sharding') {
  shardCluster();
} else {
  throw new Error(`INIT_STEP must be replica-sets or sharding (got ${step})`);
}
