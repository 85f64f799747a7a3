/**
 * Writes wait for a majority of each shard's members, and for no longer than the connection string's
 * wtimeoutMS: a shard that lost its majority answers OPERATIONAL_STORE_UNAVAILABLE instead of hanging.
 */
import { MongoClient } from 'mongodb';
import { durableWriteConcern } from '../../../../../src/stores/operational/mongodb/open';

// No connection is made: the client only parses its connection string.
const writeConcernOf = (uri: string) => durableWriteConcern(new MongoClient(uri).writeConcern);

describe('durableWriteConcern', () => {
  it('takes only wtimeoutMS from the connection string', () => {
    expect(writeConcernOf('mongodb://mongos-1:27017,mongos-2:27017/?wtimeoutMS=10000')).toEqual({
      w: 'majority',
      journal: true,
      wtimeoutMS: 10_000,
    });
  });

  it('stays majority and journaled whatever else the connection string says', () => {
    expect(writeConcernOf('mongodb://mongos:27017/?w=1&journal=false')).toEqual({ w: 'majority', journal: true });
    expect(writeConcernOf('mongodb://mongos:27017/')).toEqual({ w: 'majority', journal: true });
  });
});
