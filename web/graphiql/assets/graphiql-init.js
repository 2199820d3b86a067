// Bootstrap for the embedded GraphiQL 3 page (served by loyaltygraph/web/graphiql).
// Kept out of index.html so that the page's CSP can be script-src 'self'.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';

  // Placeholder for the headers editor (shown in new tabs until the user edits
  // it; edits are kept in localStorage because shouldPersistHeaders is on).
  // Replace the value with "Basic " + base64("user:password"), or remove the
  // line for anonymous requests.
  var defaultHeaders = JSON.stringify(
    { Authorization: 'Basic <base64 of user:password>' },
    null,
    2
  );

  var fetcher = GraphiQL.createFetcher({ url: endpoint });

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultHeaders: defaultHeaders,
      defaultEditorToolsVisibility: 'headers',
    })
  );
})();
