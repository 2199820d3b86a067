// Bootstrap for the embedded GraphiQL 3 page (served by loyaltygraph/web/graphiql).
// Kept out of index.html so that the page's CSP can be script-src 'self'.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';

  // The headers editor starts with an empty Authorization header, which the
  // server treats as anonymous; edits are kept in localStorage because
  // shouldPersistHeaders is on. `make run` prints a ready-made value.
  var defaultHeaders = JSON.stringify({ Authorization: '' }, null, 2);

  var defaultQuery = [
    '# Welcome to loyaltygraph.',
    '#',
    '# Put a credential in the Headers pane below:',
    '#   "Authorization": "Basic <base64 of user:secret>"',
    '# `make run` prints one such header per demo credential (admin,',
    '# settlement, partner, ...): paste the admin one to see everything,',
    '# then run this query.',
    '',
    '{',
    '  merchants(first: 5) {',
    '    totalCount',
    '    nodes { merchantId merchantName merchantStatus }',
    '  }',
    '}',
    ''
  ].join('\n');

  var fetcher = GraphiQL.createFetcher({ url: endpoint });

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultHeaders: defaultHeaders,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: 'headers',
    })
  );
})();
