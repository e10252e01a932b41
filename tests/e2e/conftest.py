"""Browser journeys: Playwright drives the system Chromium (Debian's `chromium` package;
Playwright never downloads a browser here) against pytest-django's `live_server`.

Each journey saves a screenshot per step under `test-artifacts/e2e/<test>/` and runs
axe-core (vendored in `tests/e2e/vendor/axe-core/`) on every page it visits, failing on
serious or critical violations. Locally the journeys skip when Chromium is missing; in CI
(`CI` set) that is a failure, since `.ci/run` installs it.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
# from it (SynchronousOnlyOperation). The test thread's database work is ordinary
# synchronous code, so the guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("HIVE_E2E_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Bootstrap and the Django admin are not ours to fix; what we render inside them is.
AXE_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have Chromium at {CHROMIUM} (.ci/run installs it)")
        pytest.skip(
            f"Chromium is not installed at {CHROMIUM}: apt-get install chromium "
            "chromium-driver fonts-noto-cjk (CI installs it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


class Journey:
    """One user's browser: a page, a screenshot folder, and the accessibility check."""

    def __init__(self, browser, base_url, folder, *, viewport, who):
        # bypass_csp: only so the test can inject axe-core; the pages' own scripts still
        # run under the site's Content Security Policy (test_login_security checks it).
        self.context = browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            extra_http_headers={"Accept-Language": "zh-CN"},
            bypass_csp=True,
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.folder = folder
        self.who = who
        self.step = 0

    def goto(self, path):
        self.page.goto(self.base_url + path)
        return self.page

    def login(self, username, password):
        from hive.models import User
        from tests.factories import PASSWORD, otp_code

        # Staff type the current code of their authenticator after the password.
        staff = User.objects.filter(username=username, is_staff=True).first()
        if staff is not None:
            otp_code(staff)  # their confirmed device, made now if missing
        self.goto("/portal/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password or PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        if staff is not None:
            self.page.wait_for_url(re.compile(r"/portal/second-factor/"))
            self.page.locator("input[name=token]").fill(otp_code(staff))
            self.page.locator("input[name=token]").press("Enter")
        self.page.wait_for_url(re.compile(r"/portal/$"))

    def snap(self, name):
        """A screenshot of the whole page, and the accessibility check of what it shows."""
        self.step += 1
        self.page.wait_for_load_state("load")
        path = self.folder / f"{self.step:02d}-{self.who}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        check_accessibility(self.page, where=f"{self.who}/{name}")
        return path

    def close(self):
        self.context.close()


def check_accessibility(page, *, where):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    bad = [v for v in result if v["impact"] in AXE_IMPACTS]
    lines = "\n".join(f"  {v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in bad)
    assert not bad, f"axe-core on {where} ({page.url}):\n{lines}"


@pytest.fixture
def artifacts(request):
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def journey(browser, live_server, artifacts, settings):
    """`journey(who, phone=False)` opens a fresh browser context for one user."""
    opened = []
    # The live server serves media (photos) only when asked to; our views stream them.
    settings.ALLOWED_HOSTS = ["*"]

    def open_journey(who, *, phone=False):
        j = Journey(
            browser,
            live_server.url,
            artifacts,
            viewport=PHONE if phone else DESKTOP,
            who=who,
        )
        opened.append(j)
        return j

    yield open_journey
    for j in opened:
        j.close()
