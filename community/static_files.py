"""Static URLs carry a version of the file's content (?v=…): a proxy may let browsers keep them for a year,
and a deploy that changes a file changes its URL. The same content gives the same URL on every machine."""
import hashlib
from pathlib import Path


def init_app(app):
    folder = Path(app.static_folder)
    versions = {}  # filename -> version, computed once per process (a deploy restarts the processes)

    @app.url_defaults
    def add_static_version(endpoint, values):
        if endpoint != "static" or "v" in values:
            return
        filename = values.get("filename")
        version = versions.get(filename)
        if version is None:
            path = folder / filename
            if not path.is_file():
                return  # a missing file gets its plain URL (and a 404), not a version
            version = versions[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        values["v"] = version
