import {
  ALL_PRICES,
  containerTypeOf,
  contractTermOf,
  contractTermOfValidity,
  dimensionFilterOf,
} from '../../../src/domain/freight-dimensions';
import { RatelineError } from '../../../src/domain/errors';

describe('container types', () => {
  it('reads the six codes as suppliers write them, in any case, and the other spellings of the same boxes', () => {
    expect(['20DC', '20RE', '20TK', '40DC', '40RH', '40HC'].map(containerTypeOf)).toEqual([
      '20DC',
      '20RE',
      '20TK',
      '40DC',
      '40RH',
      '40HC',
    ]);
    expect([' 40hc ', '40HQ', '20GP', '40GP', '20DV', '40DV'].map(containerTypeOf)).toEqual([
      '40HC',
      '40HC',
      '20DC',
      '40DC',
      '20DC',
      '40DC',
    ]);
    expect(['45HC', '40', '', '40HCX'].map(containerTypeOf)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('contract terms', () => {
  it('follows the anchors: under 32 days short, over 87 days long, neither in between', () => {
    expect([1, 7, 31, 32, 60, 87, 88, 365].map(contractTermOfValidity)).toEqual([
      'SHORT_TERM',
      'SHORT_TERM',
      'SHORT_TERM',
      null,
      null,
      null,
      'LONG_TERM',
      'LONG_TERM',
    ]);
  });

  it('takes the supplier’s own term over the validity', () => {
    expect(contractTermOf('LONG_TERM', 7)).toBe('LONG_TERM');
    expect(contractTermOf('SHORT_TERM', 365)).toBe('SHORT_TERM');
    expect(contractTermOf(null, 365)).toBe('LONG_TERM');
    expect(contractTermOf(undefined, 45)).toBeNull();
  });
});

describe('dimension filters', () => {
  it('is every price when a question names neither', () => {
    expect(dimensionFilterOf(undefined, undefined)).toEqual(ALL_PRICES);
    expect(dimensionFilterOf(null, null)).toEqual({ containerTypes: null, contractTerm: null });
  });

  it('normalises the container types, so equal questions have equal filters', () => {
    expect(dimensionFilterOf(['40HQ', '20DC', '40hc', '20DC'], 'LONG_TERM')).toEqual({
      containerTypes: ['20DC', '40HC'],
      contractTerm: 'LONG_TERM',
    });
  });

  it('refuses an unknown code with BAD_USER_INPUT naming the argument and the accepted codes', () => {
    const refusal = (run: () => unknown): RatelineError => {
      try {
        run();
      } catch (error) {
        if (error instanceof RatelineError) return error;
      }
      throw new Error('not refused');
    };
    const type = refusal(() => dimensionFilterOf(['40HC', '45G1'], null));
    expect(type).toMatchObject({ code: 'BAD_USER_INPUT', field: 'containerTypes', value: '45G1' });
    expect(type.message).toContain('20DC, 20RE, 20TK, 40DC, 40RH, 40HC');
    const term = refusal(() =>
      dimensionFilterOf(null, 'SPOT', { containerTypes: 'container_types', contractTerm: 'contract_term' }),
    );
    expect(term).toMatchObject({ code: 'BAD_USER_INPUT', field: 'contract_term', value: 'SPOT' });
    expect(term.message).toContain('SHORT_TERM, LONG_TERM');
    expect(refusal(() => dimensionFilterOf([], null))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'containerTypes',
    });
  });
});
