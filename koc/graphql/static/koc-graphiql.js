// Starts GraphiQL on the page koc.graphql.graphiql renders. Kept out of the HTML so the page
// runs no inline script; the settings come from the JSON block #koc-graphiql-config.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("koc-graphiql-config").textContent);
  var fetcher = GraphiQL.createFetcher({ url: config.endpoint });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      // Staff paste {"Authorization": "Bearer ..."} here; the tab starts open.
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: "headers",
      // Tokens are not written to localStorage, where any script on this origin could read them.
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    })
  );
})();
