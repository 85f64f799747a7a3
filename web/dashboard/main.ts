/**
 * The analyst page: pick two locations, a range, a granularity and optionally container types and a
 * contract term; see the average price with its p25–p75 and/or low–high band, the price counts under
 * it, the top lanes, and a CSV link. Talks only to /graphql.
 */
import {
  type ChartDataset,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import {
  addDimensionParameters,
  ApiError,
  apiKey,
  CONTAINER_TYPES,
  CONTRACT_TERMS,
  downloadCsv,
  fetchAnalysis,
  fetchLocations,
  seriesCsvUrl,
  setApiKey,
  type Analysis,
  type AnalysisQuery,
  type ContainerType,
  type Granularity,
  type LaneOrder,
} from './api';
import './style.css';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

const DEFAULTS: AnalysisQuery = {
  origin: 'CNSGH',
  destination: 'north_europe_main',
  dateFrom: '2016-01-01',
  dateTo: '2016-01-31',
  granularity: 'DAY',
  // The reference month holds one price of 100,500 USD among prices near 1,300: off by default, it
  // flattens the whole chart. The status line says how many prices were dropped.
  excludeOutliers: true,
  orderBy: 'VOLUME',
  containerTypes: [],
  contractTerm: null,
};

/** Which spread the chart draws around the average; the table always shows both. */
type Band = 'QUARTILES' | 'LOW_HIGH' | 'BOTH';
const BANDS: readonly Band[] = ['QUARTILES', 'LOW_HIGH', 'BOTH'];
const DEFAULT_BAND: Band = 'QUARTILES';

/** What the page shows: the API's question and how to draw its answer. */
interface View {
  readonly query: AnalysisQuery;
  readonly band: Band;
}

const GRANULARITIES: readonly Granularity[] = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'];
const ORDERS: readonly LaneOrder[] = ['VOLUME', 'AVERAGE_PRICE', 'VOLATILITY'];

function element<T extends HTMLElement>(selector: string, type: new () => T): T {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`the dashboard page lacks ${selector}`);
  return found;
}

const form = element('#query', HTMLFormElement);
const status = element('#status', HTMLParagraphElement);
const csvLink = element('#csv', HTMLAnchorElement);
const locationList = element('#locations', HTMLDataListElement);
const lanesBody = element('#lanes tbody', HTMLTableSectionElement);
const periodsBody = element('#periods tbody', HTMLTableSectionElement);

function field<T extends HTMLInputElement | HTMLSelectElement>(name: string, type: new () => T): T {
  const found = form.elements.namedItem(name);
  if (!(found instanceof type)) throw new Error(`the dashboard form lacks ${name}`);
  return found;
}

const inputs = {
  origin: field('origin', HTMLInputElement),
  destination: field('destination', HTMLInputElement),
  dateFrom: field('dateFrom', HTMLInputElement),
  dateTo: field('dateTo', HTMLInputElement),
  granularity: field('granularity', HTMLSelectElement),
  excludeOutliers: field('excludeOutliers', HTMLInputElement),
  orderBy: element('#lanes-order', HTMLSelectElement),
  containerTypes: [...form.querySelectorAll<HTMLInputElement>('input[name=containerTypes]')],
  contractTerm: field('contractTerm', HTMLSelectElement),
  band: field('band', HTMLSelectElement),
};

/** Prices as the API gives them (USD, 2 decimals); a dash where there is no value. */
const money = (value: number | null): string => (value === null ? '–' : value.toFixed(2));
/** A change as a signed percentage ("+12.00 %"). */
const percentChange = (value: number | null): string =>
  value === null ? '–' : `${value > 0 ? '+' : ''}${(value * 100).toFixed(2)} %`;

const oneOf = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T =>
  allowed.find((a) => a === value) ?? fallback;

const containerTypesOf = (codes: readonly string[]): ContainerType[] =>
  CONTAINER_TYPES.filter((code) => codes.includes(code));

/** The view in the address bar (shareable links), else the brief's example lane. */
function viewFromUrl(): View {
  const params = new URLSearchParams(window.location.search);
  const query: AnalysisQuery = {
    origin: params.get('origin') ?? DEFAULTS.origin,
    destination: params.get('destination') ?? DEFAULTS.destination,
    dateFrom: params.get('date_from') ?? DEFAULTS.dateFrom,
    dateTo: params.get('date_to') ?? DEFAULTS.dateTo,
    granularity: oneOf(params.get('granularity'), GRANULARITIES, DEFAULTS.granularity),
    excludeOutliers: params.has('exclude_outliers')
      ? params.get('exclude_outliers') === 'true'
      : DEFAULTS.excludeOutliers,
    orderBy: oneOf(params.get('order_by'), ORDERS, DEFAULTS.orderBy),
    containerTypes: containerTypesOf((params.get('container_types') ?? '').split(',')),
    contractTerm: CONTRACT_TERMS.find((term) => term === params.get('contract_term')) ?? null,
  };
  return { query, band: oneOf(params.get('band'), BANDS, DEFAULT_BAND) };
}

function fillForm({ query, band }: View): void {
  inputs.origin.value = query.origin;
  inputs.destination.value = query.destination;
  inputs.dateFrom.value = query.dateFrom;
  inputs.dateTo.value = query.dateTo;
  inputs.granularity.value = query.granularity;
  inputs.excludeOutliers.checked = query.excludeOutliers;
  inputs.orderBy.value = query.orderBy;
  for (const box of inputs.containerTypes) box.checked = query.containerTypes.some((code) => code === box.value);
  inputs.contractTerm.value = query.contractTerm ?? '';
  inputs.band.value = band;
}

function viewFromForm(): View {
  const query: AnalysisQuery = {
    origin: inputs.origin.value.trim(),
    destination: inputs.destination.value.trim(),
    dateFrom: inputs.dateFrom.value,
    dateTo: inputs.dateTo.value,
    granularity: oneOf(inputs.granularity.value, GRANULARITIES, DEFAULTS.granularity),
    excludeOutliers: inputs.excludeOutliers.checked,
    orderBy: oneOf(inputs.orderBy.value, ORDERS, DEFAULTS.orderBy),
    containerTypes: containerTypesOf(inputs.containerTypes.filter((box) => box.checked).map((box) => box.value)),
    contractTerm: CONTRACT_TERMS.find((term) => term === inputs.contractTerm.value) ?? null,
  };
  return { query, band: oneOf(inputs.band.value, BANDS, DEFAULT_BAND) };
}

function urlOf({ query, band }: View): string {
  const params = new URLSearchParams({
    origin: query.origin,
    destination: query.destination,
    date_from: query.dateFrom,
    date_to: query.dateTo,
    granularity: query.granularity,
    exclude_outliers: String(query.excludeOutliers),
    order_by: query.orderBy,
  });
  addDimensionParameters(params, query);
  if (band !== DEFAULT_BAND) params.set('band', band);
  return `${window.location.pathname}?${params.toString()}`;
}

const priceChart = new Chart<'line', (number | null)[], string>(element('#price-chart', HTMLCanvasElement), {
  type: 'line',
  data: { labels: [], datasets: [] },
  options: {
    animation: false,
    maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    scales: { y: { title: { display: true, text: 'USD' } } },
    plugins: {
      // Each band is drawn between two lines; the legend names it once, at its upper line.
      legend: { position: 'bottom', labels: { filter: (item) => item.text !== 'p25' && item.text !== 'low' } },
    },
  },
});

const countChart = new Chart<'bar', number[], string>(element('#count-chart', HTMLCanvasElement), {
  type: 'bar',
  data: { labels: [], datasets: [] },
  options: {
    animation: false,
    maintainAspectRatio: false,
    scales: { y: { beginAtZero: true, title: { display: true, text: 'prices' } } },
    plugins: { legend: { display: false } },
  },
});

type Periods = Analysis['rateSeries']['periods'];
type PriceLine = ChartDataset<'line', (number | null)[]>;

/**
 * A band between two lines: the lower one unfilled, the upper one filled down to it (chart.js fills
 * towards the dataset before). The legend shows the upper one, named for the band.
 */
function bandLines(
  periods: Periods,
  lower: { readonly label: string; readonly value: (p: Periods[number]) => number | null },
  upper: { readonly label: string; readonly value: (p: Periods[number]) => number | null },
  rgb: string,
): PriceLine[] {
  const line = { borderColor: `rgba(${rgb}, 0.35)`, borderWidth: 1, pointRadius: 0 };
  return [
    { ...line, label: lower.label, data: periods.map(lower.value), fill: false },
    {
      ...line,
      label: upper.label,
      data: periods.map(upper.value),
      backgroundColor: `rgba(${rgb}, 0.12)`,
      fill: '-1',
    },
  ];
}

function drawCharts(analysis: Analysis, shown: Band): void {
  const periods = analysis.rateSeries.periods;
  const labels = periods.map((p) => p.periodStart);
  const lowHigh = bandLines(
    periods,
    { label: 'low', value: (p) => p.low },
    { label: 'low–high (2.5th–97.5th)', value: (p) => p.high },
    '230, 140, 30',
  );
  const quartiles = bandLines(
    periods,
    { label: 'p25', value: (p) => p.p25 },
    { label: 'p25–p75', value: (p) => p.p75 },
    '31, 111, 235',
  );
  priceChart.data = {
    labels,
    datasets: [
      ...(shown === 'QUARTILES' ? [] : lowHigh),
      ...(shown === 'LOW_HIGH' ? [] : quartiles),
      {
        label: 'average',
        data: periods.map((p) => p.averagePrice),
        borderColor: '#13315c',
        backgroundColor: '#13315c',
        borderWidth: 2,
        pointRadius: 2,
        fill: false,
      },
    ],
  };
  priceChart.update();
  countChart.data = {
    labels,
    datasets: [{ label: 'prices', data: periods.map((p) => p.priceCount), backgroundColor: '#8fb3e8' }],
  };
  countChart.update();
}

function row(cells: readonly string[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const text of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

function drawTables(analysis: Analysis): void {
  lanesBody.replaceChildren(
    ...analysis.laneStats.map((l) =>
      row([
        `${l.origin.code} ${l.origin.name}`,
        `${l.destination.code} ${l.destination.name}`,
        String(l.priceCount),
        money(l.averagePrice),
        money(l.minPrice),
        money(l.maxPrice),
        money(l.stddevPrice),
        `${(l.volatility * 100).toFixed(2)} %`,
      ]),
    ),
  );
  periodsBody.replaceChildren(
    ...analysis.rateSeries.periods.map((p) =>
      row([
        p.periodStart,
        money(p.averagePrice),
        percentChange(p.change),
        money(p.low),
        money(p.p25),
        money(p.median),
        money(p.p75),
        money(p.high),
        money(p.minPrice),
        money(p.maxPrice),
        String(p.priceCount),
        String(p.outliersExcluded),
      ]),
    ),
  );
}

function showStatus(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

const TERM_NAMES = { SHORT_TERM: 'short term', LONG_TERM: 'long term' } as const;

/** The filters in words for the status line (" (40HC, 20DC; long term)"), empty without any. */
function filterText(query: AnalysisQuery): string {
  const parts = [
    ...(query.containerTypes.length > 0 ? [query.containerTypes.join(', ')] : []),
    ...(query.contractTerm ? [TERM_NAMES[query.contractTerm]] : []),
  ];
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

let latest = 0;
/** The answer on screen, redrawn as it is when only the band changes. */
let shownAnalysis: Analysis | undefined;
async function show({ query, band }: View): Promise<void> {
  const request = ++latest;
  document.body.dataset.state = 'loading';
  csvLink.href = seriesCsvUrl(query);
  showStatus('Loading…');
  try {
    const analysis = await fetchAnalysis(query);
    if (request !== latest) return; // a newer request superseded this one
    shownAnalysis = analysis;
    drawCharts(analysis, band);
    drawTables(analysis);
    const prices = analysis.rateSeries.periods.reduce((sum, p) => sum + p.priceCount, 0);
    const outliers = analysis.rateSeries.outliersExcluded;
    const dropped = query.excludeOutliers ? `, ${outliers} outlier${outliers === 1 ? '' : 's'} excluded` : '';
    // When the data was complete, to the second, in UTC as the days are.
    const asOf = analysis.dataAsOf ? ` Data as of ${analysis.dataAsOf.slice(0, 19).replace('T', ' ')} UTC.` : '';
    showStatus(
      `${prices} prices${filterText(query)} in ${analysis.rateSeries.periods.length} periods${dropped}.${asOf}`,
    );
    document.body.dataset.state = 'ready';
  } catch (error) {
    if (request !== latest) return;
    const message =
      error instanceof ApiError
        ? `${error.message}${error.code ? ` (${error.code})` : ''}`
        : `The API did not answer: ${String(error)}`;
    showStatus(message, true);
    document.body.dataset.state = 'error';
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const view = viewFromForm();
  window.history.replaceState(null, '', urlOf(view));
  void show(view);
});
inputs.band.addEventListener('change', () => {
  const view = viewFromForm();
  window.history.replaceState(null, '', urlOf(view));
  if (shownAnalysis) drawCharts(shownAnalysis, view.band);
});
inputs.orderBy.addEventListener('change', () => form.requestSubmit());

function loadLocations(): void {
  fetchLocations().then(
    (locations) => {
      locationList.replaceChildren(
        ...locations.map((l) => {
          const option = document.createElement('option');
          option.value = l.id;
          option.label = `${l.name} (${l.kind})`;
          return option;
        }),
      );
    },
    (error: unknown) => showStatus(`Could not load ports and regions: ${String(error)}`, true),
  );
}

const keyInput = field('apiKey', HTMLInputElement);
keyInput.value = apiKey();
keyInput.addEventListener('change', () => {
  setApiKey(keyInput.value.trim());
  loadLocations();
  form.requestSubmit();
});

// With a key, the CSV is fetched with it and saved from memory; without one the link works as it is.
csvLink.addEventListener('click', (event) => {
  if (apiKey() === '') return;
  event.preventDefault();
  downloadCsv(csvLink.href).then(
    (blob) => {
      const save = document.createElement('a');
      save.href = URL.createObjectURL(blob);
      save.download = 'series.csv';
      save.click();
      URL.revokeObjectURL(save.href);
    },
    (error: unknown) => showStatus(`The CSV download failed: ${String(error)}`, true),
  );
});

loadLocations();

const initial = viewFromUrl();
fillForm(initial);
void show(initial);
