#!/usr/bin/env bash
# Refreshes Google's discovery documents for gmail.v1, calendar.v3, drive.v3,
# docs.v1, sheets.v4, slides.v1, tasks.v1, people.v1, forms.v1 and chat.v1 that the
# fake Google's schema-conformance test reads. They ship inside the PyPI package
# google-api-python-client (Apache-2.0) under
# googleapiclient/discovery_cache/documents/. Usage: tests/discovery/fetch.sh [VERSION]
set -euo pipefail

VERSION="${1:-2.202.0}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DEST="$ROOT/crates/fake-google/tests/discovery"
CACHE="${DISCOVERY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fake-google-discovery}/$VERSION"

mkdir -p "$CACHE" "$DEST"
wheel="$(ls "$CACHE"/google_api_python_client-"$VERSION"-*.whl 2>/dev/null | head -n1 || true)"
if [ -z "$wheel" ]; then
    python3 -m pip download --quiet --no-deps "google-api-python-client==$VERSION" -d "$CACHE"
    wheel="$(ls "$CACHE"/google_api_python_client-"$VERSION"-*.whl | head -n1)"
fi

python3 - "$wheel" "$DEST" "$VERSION" <<'PY'
import json, sys, zipfile
wheel, dest, version = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    names = ("gmail.v1.json", "calendar.v3.json", "drive.v3.json", "docs.v1.json", "sheets.v4.json",
             "slides.v1.json", "tasks.v1.json", "people.v1.json", "forms.v1.json", "chat.v1.json")
    for name in names:
        data = z.read("googleapiclient/discovery_cache/documents/" + name)
        doc = json.loads(data)
        assert doc["id"] == name[:-5].replace(".", ":"), doc["id"]
        if len(data) > 1_000_000:
            sys.exit(f"{name} is unexpectedly large: {len(data)} bytes")
        with open(f"{dest}/{name}", "wb") as out:
            out.write(data)
        print(f"{name}: {len(data)} bytes, revision {doc.get('revision')}")
with open(f"{dest}/SOURCE.md", "w") as out:
    out.write(f"""# Google discovery documents

`gmail.v1.json`, `calendar.v3.json`, `drive.v3.json`, `docs.v1.json`,
`sheets.v4.json`, `slides.v1.json`, `tasks.v1.json`, `people.v1.json`,
`forms.v1.json` and `chat.v1.json` are
Google's API discovery documents, copied
unchanged from the PyPI package `google-api-python-client` {version}
(`googleapiclient/discovery_cache/documents/`, Apache-2.0). The schema-conformance
test (`tests/fake_google/discovery.rs`) checks the fake's responses against them.

Refresh with `tests/discovery/fetch.sh [VERSION]` from the repository root.
""")
PY
