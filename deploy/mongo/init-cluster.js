// Initiates Rateline's MongoDB sharded cluster and its users; run by the `mongo-init-*` jobs of the compose
// files with mongosh. Every step is idempotent: the jobs run again on every `docker compose up`, on a
// cluster that exists already, and complete whatever an interrupted run left undone.
//
//   mongosh --nodb --file init-cluster.js   with INIT_STEP and the settings below in the environment
//
// INIT_STEP=replica-sets  initiates the config server replica set and every shard replica set, waits for
//                         whichever member each elects, and creates the shard-local admin user on each
//                         shard (which closes the shard's localhost exception)
// INIT_STEP=sharding      (against mongos) adds the shards, creates the cluster's admin and application
//                         users, enables sharding and shards the collections on the keys of
//                         docs/operational-store-mongodb.md
//
// CONFIG_REPLICA_SET     "cfg/mongo-cfg-1:27019,mongo-cfg-2:27019,mongo-cfg-3:27019"
// SHARD_REPLICA_SETS     "shard1/mongo-shard1-1:27018,…;shard2/mongo-shard2-1:27018,…" (";" between shards)
// MONGOS                 "mongos-1:27017"
// MONGODB_DATABASE       "rateline"
// KEYFILE                the cluster's keyfile: this job authenticates as the cluster's internal user
//                        (`__system`) with it, so it needs no user to exist and no localhost exception
// MONGODB_ADMIN_USER / MONGODB_ADMIN_PASSWORD   operators' user (root), on the cluster and on each shard
// MONGODB_APP_USER / MONGODB_APP_PASSWORD       Rateline's user: readWrite on MONGODB_DATABASE only

const env = process.env;
const step = env.INIT_STEP;
const database = env.MONGODB_DATABASE || 'rateline';
// mongod strips whitespace from a keyfile; the internal user's password is what remains. mongosh scripts
// read files through Node's fs (it has no import statements).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const clusterKey = require('fs')
  .readFileSync(env.KEYFILE || '/keyfile/keyfile', 'utf8')
  .replace(/[\t-\r ]/g, '');

function required(name) {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set (see .env.example)`);
  return value;
}

function parseReplicaSet(spec) {
  const [name, hosts] = spec.trim().split('/');
  return { name, hosts: hosts.split(',').map((h) => h.trim()) };
}

function waitFor(what, check, timeoutMs = 180000) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const result = check();
      if (result) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
    sleep(1000);
  }
}

/** A direct connection to one member (or a mongos), authenticated as the cluster's internal user. */
function connectAsCluster(host) {
  const conn = new Mongo(`mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=5000`);
  conn.getDB('admin').auth({ user: '__system', pwd: clusterKey, mechanism: 'SCRAM-SHA-256' });
  return conn;
}

/** `hello` of every member that answers, by host; a member that is down is left out. */
function helloOfMembers(hosts) {
  const answers = {};
  for (const host of hosts) {
    try {
      // One connection per look, closed again: the job looks every second for minutes.
      const conn = connectAsCluster(host);
      try {
        answers[host] = conn.getDB('admin').runCommand({ hello: 1 });
      } finally {
        conn.close();
      }
    } catch (error) {
      print(`${host}: no answer yet (${error.message})`);
    }
  }
  return answers;
}

/**
 * Initiates the replica set unless a member already belongs to it, then waits for whichever member
 * the set elects and answers a connection to that primary.
 */
function initiateReplicaSet(spec, configsvr) {
  const { name, hosts } = parseReplicaSet(spec);
  const answers = waitFor(`a member of ${name}`, () => {
    const found = helloOfMembers(hosts);
    return Object.keys(found).length > 0 ? found : undefined;
  });
  const initiated = Object.values(answers).some((hello) => hello.setName === name);
  if (initiated) {
    print(`replica set ${name}: already initiated`);
  } else {
    const config = { _id: name, members: hosts.map((host, i) => ({ _id: i, host })) };
    if (configsvr) config.configsvr = true;
    const [first] = Object.keys(answers);
    const result = connectAsCluster(first).getDB('admin').runCommand({ replSetInitiate: config });
    // 23: AlreadyInitialized (another run initiated it meanwhile).
    if (result.ok !== 1 && result.code !== 23) throw new Error(`replSetInitiate ${name}: ${tojson(result)}`);
    print(`replica set ${name}: initiated from ${first}`);
  }
  const primary = waitFor(`the primary ${name} elects`, () => {
    const found = helloOfMembers(hosts);
    return Object.keys(found).find((host) => found[host].setName === name && found[host].isWritablePrimary === true);
  });
  print(`replica set ${name}: primary ${primary}`);
  return connectAsCluster(primary);
}

/** Creates the user, or sets its password and roles to these (so a changed .env takes effect). */
function ensureUser(admin, user, pwd, roles) {
  const exists = admin.runCommand({ usersInfo: user }).users.length > 0;
  const result = exists
    ? admin.runCommand({ updateUser: user, pwd, roles, writeConcern: { w: 'majority' } })
    : admin.runCommand({ createUser: user, pwd, roles, writeConcern: { w: 'majority' } });
  if (result.ok !== 1) throw new Error(`${exists ? 'updateUser' : 'createUser'} ${user}: ${tojson(result)}`);
  print(`user ${user}: ${exists ? 'updated' : 'created'} with roles ${tojson(roles)}`);
}

function initiateReplicaSets() {
  initiateReplicaSet(required('CONFIG_REPLICA_SET'), true);
  for (const spec of required('SHARD_REPLICA_SETS')
    .split(';')
    .filter((s) => s.trim())) {
    const primary = initiateReplicaSet(spec, false);
    // Shard-local: for maintenance on the shard itself; its existence closes the localhost exception.
    ensureUser(primary.getDB('admin'), required('MONGODB_ADMIN_USER'), required('MONGODB_ADMIN_PASSWORD'), ['root']);
  }
}

function shardCluster() {
  const host = required('MONGOS');
  const mongos = waitFor('mongos', () => {
    const conn = connectAsCluster(host);
    return conn.getDB('admin').runCommand({ ping: 1 }).ok === 1 ? conn : undefined;
  });
  const admin = mongos.getDB('admin');
  const existing = admin.runCommand({ listShards: 1 }).shards.map((s) => s._id);
  for (const spec of required('SHARD_REPLICA_SETS')
    .split(';')
    .filter((s) => s.trim())) {
    const { name, hosts } = parseReplicaSet(spec);
    if (existing.includes(name)) {
      print(`shard ${name}: already added`);
      continue;
    }
    const result = admin.runCommand({ addShard: `${name}/${hosts.join(',')}`, name });
    if (result.ok !== 1) throw new Error(`addShard ${name}: ${tojson(result)}`);
    print(`shard ${name}: added`);
  }
  // Cluster users live on the config servers: every mongos knows them.
  ensureUser(admin, required('MONGODB_ADMIN_USER'), required('MONGODB_ADMIN_PASSWORD'), ['root']);
  // What Rateline does: collections, indexes, reads, writes and change streams in its database.
  ensureUser(admin, required('MONGODB_APP_USER'), required('MONGODB_APP_PASSWORD'), [
    { role: 'readWrite', db: database },
  ]);
  // MongoDB 6+: enableSharding only names the primary shard; it is harmless to repeat.
  admin.runCommand({ enableSharding: database });
  const shard = (collection, key) => {
    const ns = `${database}.${collection}`;
    const result = admin.runCommand({ shardCollection: ns, key });
    // A second run: already sharded on the same key.
    if (result.ok !== 1 && !/already (sharded|exists)/i.test(result.errmsg || '') && result.code !== 20) {
      throw new Error(`shardCollection ${ns}: ${tojson(result)}`);
    }
    print(`${ns}: sharded on ${tojson(key)}`);
  };
  // Prices and chunks of chunked batches: ranged on _id = "<batchId>:<index>" (random batch ids spread the
  // writes; one batch is one contiguous range). Batches and idempotency keys: small, read by _id, hashed.
  // No pre-split: since MongoDB 6.0 the balancer moves data by size, not by chunk count, so splitting an
  // empty collection moves nothing; writes spread once a shard holds a few range sizes more than another.
  shard('prices', { _id: 1 });
  shard('batch_chunks', { _id: 1 });
  shard('batches', { _id: 'hashed' });
  shard('idempotency_keys', { _id: 'hashed' });
  print('sharding configured');
}

if (step === 'replica-sets') {
  initiateReplicaSets();
} else if (step === 'sharding') {
  shardCluster();
} else {
  throw new Error(`INIT_STEP must be replica-sets or sharding (got ${step})`);
}
