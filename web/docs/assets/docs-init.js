// Bootstrap for the embedded Redoc page (served by loyaltygraph/web/docs).
// Kept out of index.html so that the page's CSP can be script-src 'self'.
(function () {
  'use strict';

  var root = document.getElementById('redoc');
  var specURL = root.getAttribute('data-spec-url') || '/openapi.json';

  Redoc.init(specURL, {
    // System fonts: nothing is fetched from a font service.
    theme: {
      typography: {
        fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
        code: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' }
      }
    },
    expandResponses: '200,201',
    pathInMiddlePanel: true,
    hideDownloadButton: false,
    sortPropsAlphabetically: false
  }, root);
})();
