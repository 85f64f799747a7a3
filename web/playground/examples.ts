/**
 * The playground's preloaded tabs: plain example text, shown as they are (GraphiQL keeps the user's own
 * tabs in localStorage after the first visit; "Reset" in its settings brings these back).
 */

export const RATES_EXAMPLE = `# Daily average price from Shanghai to the North Europe main ports, January 2016.
# Days with fewer than minPrices (default 3) prices get a null averagePrice; priceCount is always given.
query Rates {
  rates(origin: "CNSGH", destination: "north_europe_main", dateFrom: "2016-01-01", dateTo: "2016-01-10") {
    day
    averagePrice
    priceCount
  }
}
`;

export const FILTERED_RATES_EXAMPLE = `# 40-foot high cubes on long-term contracts only, with the market's spread each day:
# low (2.5th percentile), p25, median, p75 and high (97.5th). Without containerTypes and contractTerm
# every price counts, including those that say neither (the reference data's are all unspecified).
query FilteredRates {
  rates(
    origin: "china_main"
    destination: "north_europe_main"
    dateFrom: "2016-01-01"
    dateTo: "2016-01-10"
    containerTypes: ["40HC"]
    contractTerm: LONG_TERM
  ) {
    day
    averagePrice
    low
    p25
    median
    p75
    high
    priceCount
  }
}
`;

export const SERIES_EXAMPLE = `# Weekly statistics (ISO weeks, Monday first) with exact quartiles, without outliers;
# change is the average's change against the week before (0.12: up 12 %).
query Series {
  rateSeries(
    origin: "china_main"
    destination: "north_europe_main"
    dateFrom: "2016-01-01"
    dateTo: "2016-01-31"
    granularity: WEEK
    excludeOutliers: true
  ) {
    outliersExcluded
    periods { periodStart averagePrice change minPrice p25 median p75 maxPrice priceCount }
  }
  laneStats(
    origin: "china_main"
    destination: "north_europe_main"
    dateFrom: "2016-01-01"
    dateTo: "2016-01-31"
    orderBy: VOLUME
    first: 5
  ) {
    origin { code name }
    destination { code name }
    priceCount averagePrice stddevPrice volatility
  }
}
`;

export const BATCH_MUTATION_EXAMPLE = `# Submit prices in one batch (needs an API key: open "Headers" below and set
#   {"Authorization": "Bearer <your key>"}).
# Each item: origin and destination port codes, the day, the price and its currency; optionally the
# container type ("40HC") and the contract term (SHORT_TERM or LONG_TERM).
mutation SubmitPrices {
  submitPriceBatch(
    input: {
      idempotencyKey: "example-2016-02-01"
      skipInvalid: false
      items: [
        { originCode: "CNSGH", destinationCode: "NLRTM", day: "2016-02-01", price: 1250, currency: "USD" }
        { originCode: "CNSGH", destinationCode: "DEHAM", day: "2016-02-01", price: 1190.5, currency: "EUR" }
        {
          originCode: "CNSGH", destinationCode: "DEHAM", day: "2016-02-01", price: 2310, currency: "USD"
          containerType: "40HC", contractTerm: LONG_TERM
        }
      ]
    }
  ) {
    id
    status
    itemCount
    acceptedCount
    rejectedCount
    errors { index field message }
    createdAt
    replicatedAt
  }
}
`;

export const BATCH_STATUS_EXAMPLE = `# The status of a batch: put the id submitPriceBatch returned into the variables below.
query BatchStatus($id: ID!) {
  batch(id: $id) {
    id
    status
    itemCount
    acceptedCount
    rejectedCount
    errors { index field message }
    createdAt
    replicatedAt
  }
}
`;

/** The header editor's starting text: where the API key goes. */
export const API_KEY_HEADERS = `{
  "Authorization": "Bearer <your API key>"
}`;

export interface ExampleTab {
  readonly query: string;
  readonly variables?: string;
  readonly headers?: string;
}

export const EXAMPLE_TABS: readonly ExampleTab[] = [
  { query: RATES_EXAMPLE },
  { query: FILTERED_RATES_EXAMPLE },
  { query: SERIES_EXAMPLE },
  { query: BATCH_MUTATION_EXAMPLE, headers: API_KEY_HEADERS },
  { query: BATCH_STATUS_EXAMPLE, variables: '{\n  "id": "<batch id>"\n}', headers: API_KEY_HEADERS },
];
