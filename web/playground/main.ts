/**
 * The GraphQL playground: GraphiQL with its editor (Monaco), its workers and its styles all bundled by
 * `npm run build` and served by Rateline from /assets/playground; nothing is fetched from elsewhere.
 */
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { EXAMPLE_TABS } from './examples';

const ASSETS = '/assets/playground';

// Monaco runs its language services in web workers; each is its own bundle next to this one.
(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    if (label === 'json') return new Worker(`${ASSETS}/json.worker.js`);
    if (label === 'graphql') return new Worker(`${ASSETS}/graphql.worker.js`);
    return new Worker(`${ASSETS}/editor.worker.js`);
  },
};

const container = document.getElementById('graphiql');
if (!container) throw new Error('the playground page lacks its #graphiql element');

const fetcher = createGraphiQLFetcher({ url: new URL('/graphql', window.location.href).toString() });

createRoot(container).render(
  createElement(
    StrictMode,
    null,
    createElement(GraphiQL, {
      fetcher,
      defaultTabs: EXAMPLE_TABS.map((tab) => ({ ...tab })),
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  ),
);
