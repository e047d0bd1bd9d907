"""GraphiQL for staff, served entirely by koc: no CDN, so it works on an offline network.

The vendored builds live in ``koc/graphql/static/graphiql/`` (versions and licences in its
README); ``koc.app`` mounts that folder at ``STATIC_PREFIX``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/graphql/static"

STYLESHEETS = ["graphiql/graphiql.min.css", "graphiql/plugin-explorer.css"]
# Load order matters: the UMD builds read React, ReactDOM and GraphiQL from window.
SCRIPTS = [
    "graphiql/react.production.min.js",
    "graphiql/react-dom.production.min.js",
    "graphiql/graphiql.min.js",
    "graphiql/plugin-explorer.umd.js",
    "koc-graphiql.js",
]

# The demo's credentials (koc seed-demo) are shown in development only.
DEMO_SIGN_IN = ("On the demo database: admin / koc-demo-admin.", "koc-demo-admin")
SIGN_IN = ("Type your username and password.", "")

DEFAULT_QUERY = Template("""\
# koc: the KOC membership and referral API
#
# 1. Sign in: put the cursor in StaffLogin and press Ctrl-Enter
#    (or the play button). $sign_in_hint
# 2. Copy session.accessToken into the Headers tab below:
#      {"Authorization": "Bearer eyJ..."}
#    The schema (Docs, completion) loads once the token is there.
#    Partner apps paste their koc_pt_... token the same way.
# 3. Run Members. Ctrl-Space completes fields; the Docs panel (book icon)
#    describes every type, field and argument.

mutation StaffLogin {
  staffLogin(username: "admin", password: "$password") {
    session {
      accessToken
      expiresIn
    }
    staff {
      username
      role
    }
    errors {
      field
      code
      message
    }
  }
}

query Members {
  lifecycleStages {
    code
    name
  }
  members(first: 10) {
    totalCount
    edges {
      node {
        id
        nickname
        region
        orderCount
        stage {
          code
          name
        }
        tags {
          tag {
            name
          }
          source
          cause
        }
      }
    }
  }
}
""")

PAGE = """\
<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>koc GraphiQL</title>
    <style>
      html, body {{ height: 100%; margin: 0; }}
      #graphiql {{ height: 100vh; }}
    </style>
{stylesheets}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <noscript>GraphiQL needs JavaScript. POST GraphQL to this URL with any HTTP client.</noscript>
    <script type="application/json" id="koc-graphiql-config">{config}</script>
{scripts}
  </body>
</html>
"""


def static_files() -> StaticFiles:
    """The ASGI app serving the GraphiQL assets (mounted at ``STATIC_PREFIX``)."""
    return StaticFiles(directory=STATIC_DIR)


def render_page(request: Request) -> str:
    """The GraphiQL page for ``request`` (posted back to the URL it was served from)."""
    base = request.scope.get("root_path", "") + STATIC_PREFIX
    hint, password = DEMO_SIGN_IN if request.app.state.settings.is_development else SIGN_IN
    config = {
        "endpoint": request.url.path,
        "defaultQuery": DEFAULT_QUERY.substitute(sign_in_hint=hint, password=password),
    }
    # In a <script> element only "</" can end the element early; JSON allows "<\\/".
    config_json = json.dumps(config).replace("</", "<\\/")
    stylesheets = "\n".join(
        f'    <link rel="stylesheet" href="{html.escape(f"{base}/{path}")}">'
        for path in STYLESHEETS
    )
    scripts = "\n".join(
        f'    <script src="{html.escape(f"{base}/{path}")}"></script>' for path in SCRIPTS
    )
    return PAGE.format(stylesheets=stylesheets, scripts=scripts, config=config_json)
