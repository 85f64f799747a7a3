import { registerEnumType } from 'type-graphql';
import {
  acceptedContainerTypes,
  CONTRACT_TERMS,
  LONG_TERM_MIN_DAYS,
  SHORT_TERM_MAX_DAYS,
  type ContractTerm,
} from '../../domain/freight-dimensions';

export const ContractTermEnum = Object.fromEntries(CONTRACT_TERMS.map((term) => [term, term])) as {
  readonly [T in ContractTerm]: T;
};
registerEnumType(ContractTermEnum, {
  name: 'ContractTerm',
  description: 'How long a price holds, by the anchors’ thresholds. A price that carries neither is unspecified.',
  valuesConfig: {
    SHORT_TERM: { description: `Spot or short-term: valid at most ${SHORT_TERM_MAX_DAYS} days.` },
    LONG_TERM: { description: `A long-term contract: valid at least ${LONG_TERM_MIN_DAYS} days.` },
  },
});

/**
 * Container types travel as strings, as suppliers write them ("40HC"): GraphQL enum values cannot
 * begin with a digit. The service reads and checks them (domain/freight-dimensions).
 */
export const CONTAINER_TYPE_DESCRIPTION = `Container type as suppliers write it: ${acceptedContainerTypes()}.`;
