"""The built web client: where Vite put the hashed entry files, read from its manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DIST = Path(settings.BASE_DIR) / "frontend" / "dist"
MANIFEST = DIST / ".vite" / "manifest.json"
APP_ENTRY = "src/main.tsx"
WORKER_ENTRY = "src/sw.ts"


class FrontendNotBuilt(Exception):
    pass


@dataclass(frozen=True)
class Assets:
    script: str
    styles: tuple[str, ...]
    preloads: tuple[str, ...]
    worker_file: Path
    shell: tuple[str, ...]  # every URL the service worker keeps for offline starts


def _url(file: str) -> str:
    return settings.STATIC_URL + file


@lru_cache(maxsize=4)
def _read(mtime_ns: int) -> Assets:
    manifest = json.loads(MANIFEST.read_text())
    app = manifest[APP_ENTRY]
    chunks = [manifest[name] for name in app.get("imports", [])]
    styles = tuple(_url(css) for item in [app, *chunks] for css in item.get("css", []))
    preloads = tuple(_url(chunk["file"]) for chunk in chunks)
    shell = ["/", "/manifest.webmanifest", _url("icon.svg"), _url(app["file"]), *preloads, *styles]
    return Assets(_url(app["file"]), styles, preloads, DIST / manifest[WORKER_ENTRY]["file"], tuple(shell))


def assets() -> Assets:
    """The current build; re-read when `make setup` rebuilt it (the manifest's mtime changed)."""
    try:
        return _read(MANIFEST.stat().st_mtime_ns)
    except FileNotFoundError:
        raise FrontendNotBuilt("The web client is not built; run `make setup`.") from None
