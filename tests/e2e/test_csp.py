"""The pages pass their Content-Security-Policy in a real browser (core.headers, config.settings).

The demo data (``seed_demo``) is loaded once; then, for each demo role in a context of its own,
the browser signs in and walks the portal from the home page, following the links each page shows
that role (so every page the role can reach, with real objects, up to two of each kind), and
drives the htmx features that fetch and swap HTML. Every page has a listener for
``securitypolicyviolation`` (added by an init script, so it is there before any of the page's own
script), and Chromium's own console messages are read too. The test fails on any violation, any
other console error or uncaught exception, and any asset (style sheet, script, image, font,
fetch) that fails to load.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response

from certification.models import Application
from demo.management.commands.seed_demo import DEMO_PASSWORD
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, sign_in

ROLES = [
    "ent_suzhou",
    "city_suzhou",
    "prov_jiangsu",
    "joint_jiangsu",
    "expert_chen",
    "miit_reviewer",
    "admin",
]
# Pages of one kind (the same path but for the numbers in it) visited per role: two, since an
# object's page shows different parts in different states. The admin's pages differ by model
# only through Django's templates and widgets: three of each kind (app index, list, change form,
# add form) whatever the model.
PER_KIND = 2
PER_KIND_ADMIN = 3
# Links not followed: files (downloads), signing out, changing language (a POST), pages only
# reached by links the test follows on its own (the API), and the admin's destructive pages.
NOT_FOLLOWED = re.compile(
    r"^/(?:static|media|i18n|api)/|^/accounts/logout/|^/assessments/evidence/|"
    r"^/applications/files/|^/admin/(?:logout|r)/|/(?:delete|history)/$|"
    # Downloads, not pages: the browser hands them to its PDF viewer.
    r"^/certificates/\d+/pdf$|^/publicity/objections/\d+/evidence$|^/exports/\d+/download/$"
)
VIOLATION_PREFIX = "CSP violation:"
REPORT_VIOLATIONS = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  console.error("{VIOLATION_PREFIX} " + [event.violatedDirective, event.blockedURI,
    event.sourceFile + ":" + event.lineNumber, event.sample].join(" "));
}});
"""
# Chromium's own wording when it blocks something.
CHROMIUM_CSP_MESSAGE = re.compile(r"Content Security Policy|Refused to")


class Watch:
    """What a page reports while the test drives it: CSP violations, console errors, uncaught
    exceptions and failed asset requests, each with the address of the page it happened on."""

    def __init__(self, page: Page, role: str) -> None:
        self.role = role
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._add(page, f"uncaught: {error}"))
        page.on("requestfailed", lambda request: self._request_failed(page, request))
        page.on("response", lambda response: self._response(page, response))

    def _add(self, page: Page, problem: str) -> None:
        self.problems.append(f"{self.role} {urlsplit(page.url).path}: {problem}")

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        page = message.page
        if text.startswith(VIOLATION_PREFIX) or CHROMIUM_CSP_MESSAGE.search(text):
            self.problems.append(f"{self.role} {message.location.get('url')}: {text}")
        elif message.type == "error" and not text.startswith("Failed to load resource"):
            # (A failed resource is reported by _request_failed or _response, which can tell a
            # page from an asset.)
            self.problems.append(f"{self.role} {page.url if page else '?'}: console: {text}")

    def _request_failed(self, page: Page, request: Request) -> None:
        if _is_asset(request):
            self._add(page, f"failed: {request.url} ({request.failure})")

    def _response(self, page: Page, response: Response) -> None:
        if response.status >= 400 and _is_asset(response.request):
            self._add(page, f"HTTP {response.status}: {response.url}")


def _is_asset(request: Request) -> bool:
    # The browser's own guess at a favicon is no asset of the page's (pages declare theirs).
    return request.resource_type != "document" and urlsplit(request.url).path != "/favicon.ico"


def _kind(path: str) -> str:
    kind = re.sub(r"\d+", "N", path)
    if kind.startswith("/admin/"):
        return re.sub(r"^/admin/\w+/(\w+/)?", lambda m: "/admin/A/" + ("M/" if m[1] else ""), kind)
    return kind


def walk(page: Page, start: list[str]) -> list[str]:
    """Visit ``start`` and the same-site pages linked from each visited page, breadth first, up
    to PER_KIND pages of each kind; return the paths visited."""
    queue = list(start)
    visited: list[str] = []
    kinds: Counter[str] = Counter()
    while queue:
        path = queue.pop(0)
        kind = _kind(path)
        limit = PER_KIND_ADMIN if kind.startswith("/admin/") else PER_KIND
        if path in visited or kinds[kind] >= limit:
            continue
        kinds[kind] += 1
        visited.append(path)
        page.goto(path)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urlsplit(href)
            if link.netloc != urlsplit(page.url).netloc or NOT_FOLLOWED.search(link.path):
                continue
            if link.path.startswith("/admin/"):
                queue.append(link.path)
            else:
                queue.append(link.path + (f"?{link.query}" if link.query else ""))
    return visited


@pytest.fixture
def demo(settings, tmp_path) -> None:
    """The demo data, as ``make run`` seeds it (the command runs only with DEBUG on)."""
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.DEBUG = False


@pytest.fixture
def new_context(browser: Browser, live_server) -> Iterator:
    contexts: list[BrowserContext] = []

    def new() -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.add_init_script(REPORT_VIOLATIONS)
        contexts.append(context)
        return context

    yield new
    for context in contexts:
        context.close()


def test_the_watch_sees_violations(new_context, live_server):
    """The listener works and the policy is enforced: inline style and script are refused."""
    page = new_context().new_page()
    watch = Watch(page, "anonymous")
    page.goto("/accounts/login/")
    assert watch.problems == []
    page.evaluate(
        """() => {
        document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline</p>');
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true";
        document.body.append(script);
    }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.inlineRan") is None
    violations = [p for p in watch.problems if VIOLATION_PREFIX in p]
    assert any("style-src" in p for p in violations), watch.problems
    assert any("script-src" in p for p in violations), watch.problems


def test_every_page_of_the_demo_passes_the_policy(demo, new_context):
    problems: list[str] = []
    walked: dict[str, list[str]] = {}

    page = new_context().new_page()
    watch = Watch(page, "anonymous")
    for path in ("/accounts/login/", "/no-such-page/", "/api/docs/"):
        page.goto(path)
    page.locator(".opblock").first.wait_for()  # Swagger UI has run (its script is a file)
    problems += watch.problems

    for role in ROLES:
        page = new_context().new_page()
        watch = Watch(page, role)
        user = _demo_user(role)
        sign_in(page, user, password=DEMO_PASSWORD)
        start = ["/", "/admin/"] if role == "admin" else ["/"]
        walked[role] = walk(page, start)
        page.goto("/no-such-page/")
        if role == "ent_suzhou":
            page.goto("/api/v1/")  # DRF's browsable API, under its own style-src
            _use_the_htmx_features(page, user)
        problems += watch.problems

    assert problems == []
    # The walk reached the pages behind the navigation, with objects, for every role.
    for role, paths in walked.items():
        assert len(paths) >= 8, (role, paths)
    assert any(re.fullmatch(r"/applications/\d+/step/scenarios/", p) for p in walked["ent_suzhou"])
    assert any(re.fullmatch(r"/assessments/\d+/report/print/", p) for p in walked["ent_suzhou"])
    assert any(p.startswith("/worklist/") for p in walked["expert_chen"])
    assert any(re.fullmatch(r"/admin/\w+/\w+/\d+/change/", p) for p in walked["admin"])


def _demo_user(username: str):
    from accounts.models import User

    return User.objects.get(username=username)


def _use_the_htmx_features(page: Page, user) -> None:
    """The features whose code moved out of the templates (portal.js), and the swaps of HTML
    fragments (the answered-requirements bar, the claims status) under the policy."""
    from assessments.models import Assessment

    mine = Assessment.objects.filter(factory__enterprise__memberships__user=user).order_by("pk")
    # A draft self-assessment: an answer is saved on change; the row and the bar are swapped.
    draft = mine.filter(status=Assessment.Status.DRAFT).first()
    assert draft is not None
    page.goto(f"/assessments/{draft.pk}/")
    score = page.locator(".req-row.req-open input[name=score]").first
    score.evaluate("input => input.closest('details')?.setAttribute('open', '')")
    with page.expect_response(lambda r: "/answers/" in r.url and r.request.method == "POST"):
        score.check()
    page.locator("progress.portal-progress").wait_for()

    # A returned application: the scenario claims are saved on change (the "autosave" event)...
    returned = Application.objects.filter(
        factory__enterprise__memberships__user=user,
        status=Application.Status.RETURNED,
        tier="advanced",
    ).first()
    assert returned is not None
    step = f"/applications/{returned.pk}/step/scenarios/"
    page.goto(step)
    row = page.locator(".claim-row:has(input[name=claimed]:not(:checked))").first
    row.evaluate("row => row.closest('details')?.setAttribute('open', '')")
    code = row.get_attribute("id").removeprefix("claim-")
    row.locator("textarea").fill("柔性装配线，自动排产")
    with page.expect_response(lambda r: r.url.endswith(step) and r.request.method == "POST"):
        row.locator("input[name=claimed]").check()
    # ... but choosing an evidence file (a control of another form) saves nothing.
    file_input = page.locator(f"#file-{code}")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    file_input.set_input_files(
        files=[{"name": "evidence.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"}]
    )
    page.wait_for_timeout(800)  # past the 500 ms delay of the autosave trigger
    assert posts == []

    # The print view's button prints (portal.js, no onclick); window.print is stubbed.
    report = mine.filter(status=Assessment.Status.SUBMITTED).first()
    assert report is not None
    page.goto(f"/assessments/{report.pk}/report/print/")
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.locator("button[data-print]").click()
    assert page.evaluate("window.printed") == 1
