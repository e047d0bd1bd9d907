// Starts GraphiQL on the page koc.graphql.graphiql renders. Kept out of the HTML so the page
// runs no inline script; the settings come from the JSON block #koc-graphiql-config.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("koc-graphiql-config").textContent);
  var fetcher = GraphiQL.createFetcher({ url: config.endpoint });

  // Outside development only staff may introspect, so the schema first fails to load. When an
  // Authorization header is pasted (or changed), load it again with that header: the docs,
  // completion and validation then work without the "Re-fetch schema" button.
  var introspect = null;
  var lastAuthorization = null;
  function SchemaLoader() {
    introspect = GraphiQL.React.useSchemaContext({ nonNull: true }).introspect;
    return "koc";
  }
  function onEditHeaders(text) {
    var headers;
    try {
      headers = JSON.parse(text || "{}");
    } catch (unfinished) {
      return; // still being typed
    }
    var authorization = headers && (headers.Authorization || headers.authorization);
    if (authorization && authorization !== lastAuthorization && introspect) {
      lastAuthorization = authorization;
      // GraphiQL's schema loader takes the headers text on its next render: introspect after.
      setTimeout(introspect, 600);
    }
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(
      GraphiQL,
      {
        fetcher: fetcher,
        defaultQuery: config.defaultQuery,
        // Staff paste {"Authorization": "Bearer ..."} here; the tab starts open.
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: "headers",
        onEditHeaders: onEditHeaders,
        // Tokens are not written to localStorage, where any script on this origin could read them.
        shouldPersistHeaders: false,
        inputValueDeprecation: true,
        plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      },
      React.createElement(GraphiQL.Logo, null, React.createElement(SchemaLoader))
    )
  );
})();
