"""Static URLs name their content's version, so a proxy may let browsers keep them a year without going stale."""
import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent.parent / "static"


def test_pages_link_static_files_by_their_content_version(client):
    page = client.get("/login").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="/static/([^"?]+)\?v=([0-9a-f]+)"', page)
    assert ("css/site.css", hashlib.sha256((STATIC / "css/site.css").read_bytes()).hexdigest()[:12]) in links
    assert not re.search(r'(?:href|src)="/static/[^"?]+"', page), "a static URL without its version"
    for filename, version in links:
        assert version == hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:12]
        assert client.get(f"/static/{filename}?v={version}").status_code == 200
