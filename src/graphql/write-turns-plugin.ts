import type { ApolloServerPlugin } from '@apollo/server';
import { OperationTypeNode } from 'graphql';
import { RatelineError } from '../domain/errors';
import type { EndTurn, WriteTurns } from '../limits';
import type { RequestContext } from './context';
import { asGraphqlError } from './errors';

/**
 * Every mutation takes one write turn ({@link WriteTurns}) once its document is parsed and validated,
 * before its variables are coerced: coercing 50,000 input objects is a large part of a batch's work, so
 * it waits its turn like the rest. The turn ends when the answer is sent, whatever it is. The small
 * mutations (commit, retract…) take one too: they are writes, quick, and one rule is easier to reason
 * about than a list of heavy fields.
 */
export function writeTurnsPlugin(turns: WriteTurns): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart: () => {
      let endTurn: EndTurn | undefined;
      return Promise.resolve({
        didResolveOperation: async ({ operation, contextValue }) => {
          if (operation?.operation !== OperationTypeNode.MUTATION) return;
          try {
            endTurn = await turns.take(contextValue.caller);
          } catch (error) {
            throw error instanceof RatelineError ? asGraphqlError(error) : error;
          }
        },
        willSendResponse: () => {
          endTurn?.();
          return Promise.resolve();
        },
      });
    },
  };
}
