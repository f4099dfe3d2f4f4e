"""Serve the built site (site/, from `mkdocs build`) on http://127.0.0.1:8000/.

`python tools/serve_site.py [folder] [port]`. Like `python -m http.server`, but it names
the types the playground's files need even where the system's table lacks them
(JavaScript modules, .mjs, and WebAssembly, .wasm), so their browser accepts them.
"""

import functools
import http.server
import pathlib
import sys

TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm"}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}


def main(argv: list[str]) -> None:
    folder = pathlib.Path(argv[0] if argv else "site")
    port = int(argv[1]) if len(argv) > 1 else 8000
    if not (folder / "index.html").is_file():
        sys.exit(f"{folder} has no index.html: build the site first (mkdocs build)")
    handler = functools.partial(SiteHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {folder} on http://127.0.0.1:{port}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main(sys.argv[1:])
