"""axe-core over the main pages of each role, in light and dark colours: no serious or critical violation."""
from pathlib import Path

import pytest

from tests.browser.conftest import ROLE_USERS
from tests.browsing import watch_csp

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
# Pages never link to axe; the test serves it from this same-origin path, which the site's CSP
# (script-src 'self') allows as it would any of the site's own scripts.
AXE_PATH = "/__axe__/axe.min.js"
BLOCKING = ("serious", "critical")

PAGES = {
    "visitor": ["/", "/categories", "/t/{long_thread}", "/search?q=descale", "/members", "/login", "/join",
                "/no-such-page"],
    "member": ["/", "/t/{long_thread}", "/notifications/", "/chat/", "/u/maria_k", "/u/maria_k/edit", "/new"],
    "facilitator": ["/floor/", "/mod/queue", "/floor/members/{maria_id}/notes", "/mod/threads/{long_thread}"],
    "product manager": ["/ideas", "/search?q=descale", "/mod/audit"],
    "admin": ["/floor/settings", "/floor/deliveries/"],
}

RUN_AXE = """() => axe.run(document, {resultTypes: ["violations"]}).then(results => results.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary.replace(/\\s+/g, " ")),
})))"""


def _violations(page, site, path):
    page.goto(site.url(path))
    page.add_script_tag(url=site.url(AXE_PATH))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]


@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_have_no_serious_accessibility_violations(new_context, demo_site, role):
    paths = [p.format(long_thread=demo_site.long_threads[0], maria_id=demo_site.maria_id) for p in PAGES[role]]
    found = []
    for scheme in ("light", "dark"):
        context = new_context(ROLE_USERS.get(role), color_scheme=scheme)
        context.route(demo_site.url(AXE_PATH),
                      lambda route: route.fulfill(path=AXE, content_type="application/javascript"))
        page = watch_csp(context.new_page())
        for path in paths:
            for violation in _violations(page, demo_site, path):
                found.append(f"{path} ({scheme}): {violation['impact']} {violation['id']} - {violation['help']}\n    "
                             + "\n    ".join(violation["nodes"]))
            assert page.url.split("#")[0] == demo_site.url(path), f"{role} was sent elsewhere from {path}"
        assert page.csp_errors == []
    assert not found, "\n".join(found)
