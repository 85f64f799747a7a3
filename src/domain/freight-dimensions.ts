import { badUserInput } from './errors';

/**
 * The equipment a price is for, as suppliers and the market's indices write it (ISO 6346 size and type
 * shorthand): dry 20' and 40', 40' high cube, reefers, a 20' tank. The anchors quote these six
 * (Xeneta's market-rates API); the SCFI's and carriers' other spellings of the same boxes are read as
 * the code they stand for.
 */
export const CONTAINER_TYPES = ['20DC', '20RE', '20TK', '40DC', '40RH', '40HC'] as const;
export type ContainerType = (typeof CONTAINER_TYPES)[number];

const CONTAINER_TYPE_ALIASES: Readonly<Record<string, ContainerType>> = {
  '20GP': '20DC',
  '20DV': '20DC',
  '40GP': '40DC',
  '40DV': '40DC',
  '40HQ': '40HC',
};

/**
 * How long a contracted price holds. By the anchors' thresholds a price valid under 32 days is a spot
 * or short-term quote and one valid over 87 days a long-term (typically 3- to 12-month) contract; a
 * validity in between is neither, and stays unspecified unless the supplier says which it is.
 */
export const CONTRACT_TERMS = ['SHORT_TERM', 'LONG_TERM'] as const;
export type ContractTerm = (typeof CONTRACT_TERMS)[number];

/** Longest validity, in days, of a short-term price, and shortest of a long-term one. */
export const SHORT_TERM_MAX_DAYS = 31;
export const LONG_TERM_MIN_DAYS = 88;

/** What a price is for beyond its lane and day; null is unspecified (every price of the reference data). */
export interface PriceDimensions {
  readonly containerType: ContainerType | null;
  readonly contractTerm: ContractTerm | null;
}

export const UNSPECIFIED_DIMENSIONS: PriceDimensions = { containerType: null, contractTerm: null };

/** The code a supplier's spelling stands for (case and surrounding blanks ignored), or undefined. */
export function containerTypeOf(text: string): ContainerType | undefined {
  const code = text.trim().toUpperCase();
  if ((CONTAINER_TYPES as readonly string[]).includes(code)) return code as ContainerType;
  return CONTAINER_TYPE_ALIASES[code];
}

export function isContractTerm(text: string): text is ContractTerm {
  return (CONTRACT_TERMS as readonly string[]).includes(text);
}

/** The term a validity of `days` (both ends included) implies, or null when it implies neither. */
export function contractTermOfValidity(days: number): ContractTerm | null {
  if (days <= SHORT_TERM_MAX_DAYS) return 'SHORT_TERM';
  if (days >= LONG_TERM_MIN_DAYS) return 'LONG_TERM';
  return null;
}

/**
 * The term of a price held for `validityDays`: the supplier's own word wins over the validity, because
 * a contract's term is what was signed, not how many days one upload happens to cover (a long-term
 * contract's rate may be sent a week at a time).
 */
export function contractTermOf(stated: ContractTerm | null | undefined, validityDays: number): ContractTerm | null {
  return stated ?? contractTermOfValidity(validityDays);
}

/**
 * Which prices an analytical question counts. `null` in a field is no filter on it, so the filter of a
 * question that names neither is every price, specified or not: exactly the answers from before prices
 * had dimensions. A filter that names a value counts only prices that carry it (never unspecified ones).
 */
export interface DimensionFilter {
  /** Sorted, without repeats, never empty. */
  readonly containerTypes: readonly ContainerType[] | null;
  readonly contractTerm: ContractTerm | null;
}

export const ALL_PRICES: DimensionFilter = { containerTypes: null, contractTerm: null };

export const acceptedContainerTypes = (): string =>
  `${CONTAINER_TYPES.join(', ')} (also read: ${Object.entries(CONTAINER_TYPE_ALIASES)
    .map(([alias, code]) => `${alias} as ${code}`)
    .join(', ')})`;

/**
 * The filter a question's arguments ask for, normalised (so equal questions have equal filters), or a
 * BAD_USER_INPUT naming the argument and the codes it takes.
 */
export function dimensionFilterOf(
  containerTypes: readonly string[] | null | undefined,
  contractTerm: string | null | undefined,
  fields: { readonly containerTypes: string; readonly contractTerm: string } = {
    containerTypes: 'containerTypes',
    contractTerm: 'contractTerm',
  },
): DimensionFilter {
  let types: ContainerType[] | null = null;
  if (containerTypes != null) {
    const codes = new Set<ContainerType>();
    for (const text of containerTypes) {
      const code = containerTypeOf(text);
      if (code === undefined) {
        throw badUserInput(
          fields.containerTypes,
          text,
          `Unknown container type "${text}"; accepted: ${acceptedContainerTypes()}`,
        );
      }
      codes.add(code);
    }
    if (codes.size === 0) {
      throw badUserInput(
        fields.containerTypes,
        [],
        `${fields.containerTypes} names no container type; leave it out to count every price`,
      );
    }
    types = [...codes].sort();
  }
  if (contractTerm != null && !isContractTerm(contractTerm)) {
    throw badUserInput(
      fields.contractTerm,
      contractTerm,
      `Unknown contract term "${contractTerm}"; accepted: ${CONTRACT_TERMS.join(', ')}`,
    );
  }
  return { containerTypes: types, contractTerm: contractTerm ?? null };
}

export const filtersNothing = (filter: DimensionFilter): boolean =>
  filter.containerTypes === null && filter.contractTerm === null;
