"""Claude Code sessions on two Python services: a billing API (invoice-service) and a web crawler."""

from __future__ import annotations

from demo_corpus.outputs import PYTHON
from demo_corpus.recipes import Bug, at, fix_loop, hunt, retried, ship, test_fix, verify
from demo_corpus.steps import Ask, Delegate, Edit, Fetch, Find, Plan, Project, Read, Say, Search, Session, Shell, Write

INVOICE = Project("invoice-service", PYTHON, "acme/invoice-service")
CRAWLER = Project("crawler", PYTHON, "acme/crawler")

TOTALS = """from decimal import Decimal

def total(lines, tax_rate):
    subtotal = sum(qty * Decimal(price) for qty, price in lines)
    tax = subtotal * Decimal(tax_rate)
    return subtotal"""


def tax_not_added() -> Session:
    bug = Bug(
        "tests/test_totals.py::test_totals_include_tax",
        "    def test_totals_include_tax():\n        invoice = make_invoice(lines=[(2, '19.99')], tax_rate='0.2')\n"
        ">       assert invoice.total == Decimal('47.98')\nE       AssertionError: assert Decimal('39.98') == "
        "Decimal('47.98')\n\ntests/test_totals.py:18: AssertionError",
        (Read("invoice/totals.py", TOTALS),),
        "`total()` computes the tax but returns only the subtotal, so tax is never added. "
        "I'll return `subtotal + tax`, rounded to cents.",
        (Edit("invoice/totals.py", "    return subtotal", "    return (subtotal + tax).quantize(Decimal('0.01'))", 6),),
        passed=4,
        thinking="Start by reproducing the failure locally before reading code.",
    )
    zero_tax = Edit(
        "tests/test_totals.py",
        "def test_totals_include_tax():",
        "def test_zero_tax_rate():\n    invoice = make_invoice(lines=[(1, '10.00')], tax_rate='0')\n"
        "    assert invoice.total == Decimal('10.00')\n\n\ndef test_totals_include_tax():",
    )
    steps = [
        *test_fix(INVOICE, bug),
        *verify(INVOICE),
        Say("Fixed: `invoice/totals.py` now returns subtotal plus tax, rounded to cents. The suite is green."),
        Ask("Thanks. Also add a test for a zero tax rate."),
        zero_tax,
        Shell(
            "pytest tests/test_totals.py -q", PYTHON.passed("tests/test_totals.py", 6), purpose="Run the totals tests"
        ),
        Say("Added `test_zero_tax_rate`; all totals tests pass."),
        *ship(INVOICE, "fix/tax-in-totals", "Add tax to invoice totals", ["invoice/totals.py", "tests/test_totals.py"]),
    ]
    prompt = "The CI run is red: test_totals_include_tax fails. Can you find out why and fix it?"
    return Session("claude-code", INVOICE, at(11, 2, 9, 14), prompt, steps, branch="main")


def yen_rounding() -> Session:
    currency = (
        "ROUNDING = Decimal('0.01')\n\n\ndef convert(amount: Decimal, source: str, target: str) -> Money:\n"
        "    rate = rates.get(source, target)\n"
        "    return Money((amount * rate).quantize(ROUNDING, ROUND_HALF_UP), target)"
    )
    bug = Bug(
        "tests/test_currency.py::test_convert_to_jpy_has_no_minor_unit",
        ">       assert converted.amount == Decimal('16230')\nE       AssertionError: assert Decimal('16229.55') == "
        "Decimal('16230')\n\ntests/test_currency.py:31: AssertionError",
        (
            Search(
                "quantize",
                (
                    "invoice/currency.py:24:    return Money((amount * rate).quantize(ROUNDING, ROUND_HALF_UP), "
                    "target)",
                    "invoice/totals.py:6:    return (subtotal + tax).quantize(Decimal('0.01'))",
                ),
                "invoice",
            ),
            Read("invoice/currency.py", currency, 18),
            Fetch(
                "https://en.wikipedia.org/wiki/ISO_4217",
                "Which active currencies have 0 or 3 minor units?",
                "Zero minor units: BIF, CLP, DJF, GNF, ISK, JPY, KMF, KRW, PYG, RWF, UGX, VND, VUV, XAF, XOF, XPF. "
                "Three minor units: BHD, IQD, JOD, KWD, LYD, OMR, TND.",
            ),
        ),
        "Every currency is rounded to two places. ISO 4217 gives JPY and KRW no minor unit and the Gulf dinars "
        "three, so the rounding step has to come from the target currency.",
        (
            Edit(
                "invoice/currency.py",
                "ROUNDING = Decimal('0.01')",
                "MINOR_UNITS = {'JPY': 0, 'KRW': 0, 'ISK': 0, 'CLP': 0, 'BHD': 3, 'KWD': 3, 'OMR': 3}\n\n\n"
                "def rounding(currency: str) -> Decimal:\n    return Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))",
                18,
            ),
            Edit(
                "invoice/currency.py",
                "(amount * rate).quantize(ROUNDING, ROUND_HALF_UP)",
                "(amount * rate).quantize(rounding(target), ROUND_HALF_UP)",
                24,
            ),
        ),
        passed=7,
        thinking="A JPY amount with decimals means the quantize step ignores the currency's exponent.",
    )
    steps = [
        *test_fix(INVOICE, bug),
        *verify(INVOICE),
        Say(
            "Amounts are now rounded to the target currency's minor unit: yen and won to whole units, "
            "BHD/KWD/OMR to three places, everything else to cents."
        ),
    ]
    prompt = (
        "Converting invoices to JPY gives amounts with cents, e.g. ¥16,229.55. Yen has no minor unit. "
        "Fix it and make sure other currencies still round correctly."
    )
    return Session("claude-code", INVOICE, at(10, 14, 11, 5), prompt, steps, branch="fix/jpy-rounding")


def discount_twice() -> Session:
    apply = (
        "def apply_discount(invoice: Invoice, code: str) -> Invoice:\n    discount = Discount.lookup(code)\n"
        "    invoice.discounts.append(discount)\n    invoice.total -= discount.amount_for(invoice)\n    return invoice"
    )
    bug = Bug(
        "tests/test_discounts.py::test_same_code_applies_once",
        "        apply_discount(invoice, 'WELCOME10')\n        apply_discount(invoice, 'WELCOME10')\n"
        ">       assert invoice.total == Decimal('90.00')\nE       AssertionError: assert Decimal('81.00') == "
        "Decimal('90.00')\n\ntests/test_discounts.py:44: AssertionError",
        (Read("invoice/discounts.py", apply, 30),),
        "`apply_discount` appends the discount without checking whether that code is already on the invoice, so a "
        "retried checkout request applies WELCOME10 twice. I'll make it idempotent per code.",
        (
            Edit(
                "invoice/discounts.py",
                "    discount = Discount.lookup(code)\n",
                "    if any(d.code == code for d in invoice.discounts):\n        return invoice\n"
                "    discount = Discount.lookup(code)\n",
                31,
            ),
        ),
        passed=9,
    )
    steps = [
        Plan(("Reproduce the double discount", "Make apply_discount idempotent", "Run the suite")),
        *test_fix(INVOICE, bug),
        Plan(("Reproduce the double discount", "Make apply_discount idempotent", "Run the suite"), 2),
        *verify(INVOICE),
        Say("A code already on the invoice is now ignored, so retries cannot stack discounts. Suite green."),
        *ship(INVOICE, "fix/discount-once", "Apply each discount code once per invoice", ["invoice/discounts.py"]),
    ]
    prompt = (
        "Support says a customer got WELCOME10 applied twice (19% off). test_same_code_applies_once is failing too."
    )
    return Session("claude-code", INVOICE, at(10, 21, 15, 40), prompt, steps)


def pdf_endpoint() -> Session:
    route = (
        "from fastapi import APIRouter, Response\n\nfrom invoice.render import render_pdf\nfrom invoice.store import "
        'get_invoice\n\nrouter = APIRouter()\n\n\n@router.get("/invoices/{invoice_id}/pdf")\n'
        "def invoice_pdf(invoice_id: str) -> Response:\n    invoice = get_invoice(invoice_id)\n"
        '    return Response(render_pdf(invoice), media_type="application/pdf")\n'
    )
    test = (
        "def test_pdf_endpoint_returns_pdf(client, saved_invoice):\n"
        '    response = client.get(f"/invoices/{saved_invoice.id}/pdf")\n    assert response.status_code == 200\n'
        '    assert response.content.startswith(b"%PDF")\n'
    )
    missing = PYTHON.failed(
        "tests/test_pdf.py::test_pdf_endpoint_returns_pdf",
        "tests/test_pdf.py:3: in <module>\n"
        "    from invoice.render import render_pdf\n"
        "invoice/render.py:1: in <module>\n"
        "    from weasyprint import HTML\nE   ModuleNotFoundError: No module named 'weasyprint'",
        0,
    )
    timeout = (
        "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection "
        "broken "
        "by 'ReadTimeoutError(\"HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Read timed out. "
        "(read timeout=15)\")': /packages/weasyprint-63.1-py3-none-any.whl\nERROR: Could not install packages due to "
        "an OSError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Read timed out."
    )
    steps = [
        Read(
            "invoice/api/routes.py",
            "from invoice.api import invoices, payments\n\nrouters = [invoices.router, payments.router]",
        ),
        Read(
            "invoice/render.py",
            "from weasyprint import HTML\n"
            "\n"
            "\n"
            "def render_pdf(invoice) -> bytes:\n"
            "    html = TEMPLATE.render(invoice=invoice)\n"
            "    return HTML(string=html).write_pdf()",
        ),
        Write("invoice/api/pdf.py", route),
        Edit(
            "invoice/api/routes.py",
            "from invoice.api import invoices, payments",
            "from invoice.api import invoices, payments, pdf",
            1,
        ),
        Edit(
            "invoice/api/routes.py",
            "routers = [invoices.router, payments.router]",
            "routers = [invoices.router, payments.router, pdf.router]",
            3,
        ),
        Write("tests/test_pdf.py", test),
        Shell("pytest tests/test_pdf.py -q", missing, 2, "Run the new test"),
        Say("`render.py` already imports WeasyPrint but it is not installed in this venv; it is in requirements.txt."),
        *retried(
            "pip install -r requirements.txt",
            timeout,
            "Collecting weasyprint==63.1\n  Using cached weasyprint-63.1-py3-none-any.whl (301 kB)\n"
            "Installing collected packages: tinycss2, cssselect2, pydyf, weasyprint\n"
            "Successfully installed cssselect2-0.7.0 pydyf-0.11.0 tinycss2-1.4.0 weasyprint-63.1",
            "PyPI timed out; that looks transient, so I'll run the same install again.",
            purpose="Install requirements",
        ),
        Shell("pytest tests/test_pdf.py -q", PYTHON.passed("tests/test_pdf.py", 1), purpose="Run the new test"),
        *verify(INVOICE),
        Say("`GET /invoices/{id}/pdf` now returns the rendered invoice as `application/pdf`, with a test."),
    ]
    prompt = "Add an endpoint GET /invoices/{id}/pdf that returns the invoice as a PDF. We already have render_pdf()."
    return Session("claude-code", INVOICE, at(11, 4, 10, 2), prompt, steps, branch="feat/pdf-endpoint")


def migration_nulls() -> Session:
    failure = (
        "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\nINFO  [alembic.runtime.migration] Running "
        "upgrade 3b1f0a2c9d7e -> 8c4e5d6f7a1b, make due_date required\nsqlalchemy.exc.IntegrityError: "
        '(psycopg.errors.NotNullViolation) column "due_date" of relation "invoices" contains null values\n'
        "[SQL: ALTER TABLE invoices ALTER COLUMN due_date SET NOT NULL]"
    )
    migration = (
        'def upgrade() -> None:\n    op.alter_column("invoices", "due_date", nullable=False)\n\n\n'
        'def downgrade() -> None:\n    op.alter_column("invoices", "due_date", nullable=True)'
    )
    backfill = (
        "def upgrade() -> None:\n    op.execute(\"UPDATE invoices SET due_date = issued_at + interval '30 days' "
        'WHERE due_date IS NULL")\n    op.alter_column("invoices", "due_date", nullable=False)'
    )
    steps = [
        *fix_loop(
            "alembic upgrade head",
            failure,
            "Old invoices were created before `due_date` existed, so the column is NULL for them and the NOT NULL "
            "constraint fails. Net-30 is the default term, so I'll backfill `issued_at + 30 days` first.",
            [
                Edit(
                    "migrations/versions/8c4e5d6f7a1b_due_date_required.py",
                    'def upgrade() -> None:\n    op.alter_column("invoices", "due_date", nullable=False)',
                    backfill,
                    12,
                )
            ],
            "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\nINFO  [alembic.runtime.migration] "
            "Running upgrade 3b1f0a2c9d7e -> 8c4e5d6f7a1b, make due_date required",
            look=[
                *hunt(
                    "migrations/versions/make_due_date_required.py",
                    "migrations/versions/*due_date*.py",
                    Read("migrations/versions/8c4e5d6f7a1b_due_date_required.py", migration, 12),
                ),
                Shell(
                    'psql "$DATABASE_URL" -c "SELECT count(*), min(issued_at) FROM invoices WHERE due_date IS NULL"',
                    " count |        min\n-------+---------------------\n  1412 | 2019-03-04 08:12:55\n(1 row)",
                    purpose="Count invoices without a due date",
                ),
            ],
            purpose="Apply migrations",
        ),
        Shell(
            "alembic downgrade -1 && alembic upgrade head",
            "INFO  [alembic.runtime.migration] Running downgrade 8c4e5d6f7a1b -> 3b1f0a2c9d7e\n"
            "INFO  [alembic.runtime.migration] Running upgrade 3b1f0a2c9d7e -> 8c4e5d6f7a1b",
            purpose="Check the migration round-trips",
        ),
        Say(
            "The migration now backfills 1,412 legacy invoices with net-30 due dates before making the column "
            "required; it applies and rolls back cleanly."
        ),
    ]
    prompt = "alembic upgrade head fails on staging with a NotNullViolation on due_date. Please fix the migration."
    return Session("claude-code", INVOICE, at(10, 28, 8, 50), prompt, steps, branch="fix/due-date-migration")


def webhook_question() -> Session:
    verify_py = (
        "def verify(payload: bytes, header: str, secret: str) -> Event:\n"
        "    timestamp, signature = parse_header(header)\n"
        "    if abs(time.time() - timestamp) > TOLERANCE_SECONDS:\n        raise StaleEvent(timestamp)\n"
        '    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, sha256).hexdigest()\n'
        "    if not hmac.compare_digest(expected, signature):\n        raise BadSignature()\n"
        "    return Event.parse_raw(payload)"
    )
    explore = Delegate(
        "Explain webhook verification",
        "Find how incoming payment-provider webhooks are authenticated in this repo: where the signature is checked, "
        "which secret is used, how replays are prevented, and what happens on failure. Report file paths and lines.",
        (
            Search(
                "webhook",
                (
                    'invoice/api/webhooks.py:14:@router.post("/webhooks/payments")',
                    "invoice/payments/signing.py:9:def verify(payload: bytes, header: str, secret: str) -> Event:",
                    "tests/test_webhooks.py:22:def test_rejects_bad_signature(client):",
                ),
            ),
            Read("invoice/payments/signing.py", verify_py, 9),
            Read("invoice/payments/config.py", "", missing=True),
            Find("invoice/**/settings*.py", ("invoice/settings.py",)),
            Read(
                "invoice/settings.py",
                'WEBHOOK_SECRET = env.str("PAYMENTS_WEBHOOK_SECRET")\nTOLERANCE_SECONDS = 300',
                41,
            ),
            Read(
                "invoice/api/webhooks.py",
                '@router.post("/webhooks/payments")\n'
                "async def payments_webhook(request: Request):\n"
                "    try:\n"
                '        event = verify(await request.body(), request.headers["Payment-Signature"], '
                "settings.WEBHOOK_SECRET)\n"
                "    except (BadSignature, StaleEvent):\n"
                "        raise HTTPException(status_code=400)",
                14,
            ),
        ),
        "Webhooks are verified in `invoice/payments/signing.py:9-18`: an HMAC-SHA256 over `<timestamp>.<raw body>` "
        "with `PAYMENTS_WEBHOOK_SECRET` (settings.py:41), compared in constant time. Events older than 300 s "
        "(`TOLERANCE_SECONDS`) raise `StaleEvent`, which is the replay protection; there is no event-id dedupe. "
        "`api/webhooks.py:14` turns both failures into a 400.",
    )
    steps = [
        Say("I'll have a subagent trace the webhook path through the code."),
        explore,
        Say(
            "Signatures are HMAC-SHA256 over timestamp + raw body with the shared secret, checked in constant time; "
            "replays are only limited by the 5-minute timestamp window. Since providers retry deliveries, I'd also "
            "store processed event ids and ignore repeats."
        ),
        Ask("Good idea, but not today. Where would the dedupe go?"),
        Say(
            "In `payments_webhook`, right after `verify()`: insert the event id into a `processed_events` table with "
            "a unique constraint and return 200 on conflict."
        ),
    ]
    prompt = "How do we verify payment webhooks? Is it safe against replayed requests?"
    return Session("claude-code", INVOICE, at(11, 9, 14, 20), prompt, steps)


def retry_with_subagent() -> Session:
    cwd = CRAWLER.cwd
    explore = Delegate(
        "Explain HTTP retry logic",
        "Read crawler/fetch.py, crawler/session.py and crawler/config.py and report exactly how HTTP retries work: "
        "which exceptions retry, how many attempts, and the delay between them.",
        (
            Read(
                "crawler/fetch.py",
                "for attempt in range(settings.max_retries):\n"
                "        try:\n"
                "            return session.get(url, timeout=settings.timeout)\n"
                "        except (ConnectionError, Timeout):\n"
                "            time.sleep(settings.backoff_base * 2 ** attempt)",
                12,
            ),
            Read("crawler/config.py", "max_retries: int = 5\nbackoff_base: float = 0.5\ntimeout: float = 10.0", 4),
            Read("crawler/session.py", missing=True),
            Find("crawler/**/session*.py", ("crawler/http/session.py",)),
            Read(
                "crawler/http/session.py", "adapter = HTTPAdapter(max_retries=0)  # retries are handled in fetch.py", 8
            ),
        ),
        "Retries live in `crawler/fetch.py` lines 12-16: up to `max_retries` = 5 attempts (config.py), retrying on "
        "ConnectionError and Timeout only, sleeping `0.5 * 2**attempt` seconds between attempts (0.5, 1, 2, 4 s). "
        "The requests adapter itself does no retries (http/session.py).",
    )
    failing = (
        "...F\nFAILED tests/test_fetch.py::test_backoff_delays - NameError: name 'random' is not defined\n"
        "1 failed, 3 passed in 0.44s"
    )
    steps = [
        Say("I'll search for the retry logic."),
        Search(
            "retry|backoff",
            (
                "crawler/fetch.py:12:    for attempt in range(settings.max_retries):",
                "crawler/config.py:4:max_retries: int = 5",
                "crawler/config.py:5:backoff_base: float = 0.5",
            ),
            "crawler",
        ),
        explore,
        Say(
            "Retries are in `crawler/fetch.py`: 5 attempts with exponential backoff (0.5 s doubling). To add jitter, "
            "multiply the sleep by `random.uniform(0.5, 1.5)`; want me to make that change?"
        ),
        Ask("Yes, use full jitter."),
        Edit(
            "crawler/fetch.py",
            "time.sleep(settings.backoff_base * 2 ** attempt)",
            "time.sleep(random.uniform(0, settings.backoff_base * 2 ** attempt))",
            16,
        ),
        *fix_loop(
            "pytest tests/test_fetch.py -q",
            failing,
            "The new call needs the `random` import.",
            [Edit("crawler/fetch.py", "import time\n", "import random\nimport time\n", 1)],
            "....\n4 passed in 0.41s",
            purpose="Run fetch tests",
        ),
        Say(
            "Done: backoff now uses full jitter, `random.uniform(0, base * 2**attempt)`. I had to add the `random` "
            "import; the fetch tests pass (4 passed)."
        ),
    ]
    prompt = "Where do we retry failed HTTP requests, and how many times? I want to add jitter."
    del cwd
    return Session("claude-code", CRAWLER, at(11, 3, 14, 2), prompt, steps)


def robots_subdomains() -> Session:
    robots = (
        "def allowed(self, url: str) -> bool:\n    host = urlsplit(url).hostname\n"
        "    rules = self._cache.get(self.root_domain(host))\n"
        "    return rules is None or rules.can_fetch(USER_AGENT, url)"
    )
    bug = Bug(
        "tests/test_robots.py::test_subdomain_has_its_own_robots",
        "        robots = Robots(fetch=fake_fetch({'https://docs.example.com/robots.txt': 'User-agent: *\\nDisallow: "
        "/private'}))\n"
        ">       assert not robots.allowed('https://docs.example.com/private/page')\n"
        "E       AssertionError: assert not True\n"
        "E        +  where True = allowed('https://docs.example.com/private/page')\n"
        "\n"
        "tests/test_robots.py:57: AssertionError",
        (
            Read("crawler/robots.py", robots, 40),
            Search(
                "root_domain",
                (
                    "crawler/robots.py:42:    rules = self._cache.get(self.root_domain(host))",
                    "crawler/robots.py:61:    def root_domain(self, host: str) -> str:",
                ),
                "crawler",
            ),
        ),
        "robots.txt is per origin, but the cache is keyed by the registrable domain, so `docs.example.com` reuses the "
        "rules of `example.com` (which has none here). The key must be scheme + host + port.",
        (
            Edit(
                "crawler/robots.py",
                "    host = urlsplit(url).hostname\n    rules = self._cache.get(self.root_domain(host))",
                '    parts = urlsplit(url)\n    rules = self._cache.get(f"{parts.scheme}://{parts.netloc}")',
                41,
            ),
        ),
        passed=11,
        thinking="RFC 9309 scopes robots.txt to scheme, host and port, not the registrable domain.",
    )
    steps = [
        *test_fix(CRAWLER, bug),
        *verify(CRAWLER),
        Say("robots.txt rules are now cached per origin, so subdomains follow their own file."),
        *ship(CRAWLER, "fix/robots-per-origin", "Cache robots.txt rules per origin", ["crawler/robots.py"]),
    ]
    prompt = "We crawled docs.example.com/private even though its robots.txt disallows it. Fix the robots check."
    return Session("claude-code", CRAWLER, at(10, 16, 10, 30), prompt, steps)


def memory_growth() -> Session:
    killed = (
        "2026-10-23 16:02:11 INFO crawled 41000 pages, frontier 212034, seen 1893221\n"
        "2026-10-23 16:02:40 INFO crawled 42000 pages, frontier 219870, seen 1951006\nKilled"
    )
    top = (
        "[ Top 3 differences ]\n"
        "crawler/frontier.py:33: size=912 MiB (+871 MiB), count=1951006 (+1860112), average=490 B\n"
        "crawler/parse.py:58: size=41.2 MiB (+3.1 MiB), count=220931 (+16002), average=196 B\n"
        "lxml/html/__init__.py:873: size=9.8 MiB (+0.2 MiB), count=4410 (+88), average=2330 B"
    )
    steps = [
        Shell("python -m crawler.run --seeds seeds/news.txt --max-pages 50000", killed, 137, "Reproduce the crash"),
        Say(
            "Exit 137 is the OOM killer. I'll take tracemalloc snapshots on a smaller crawl to see what grows.",
            "The seen set grows faster than pages crawled; likely storing full URLs with query strings.",
        ),
        Shell("python -X tracemalloc=5 scripts/memprofile.py --max-pages 5000", top, purpose="Profile memory"),
        Read(
            "crawler/frontier.py",
            "class Frontier:\n"
            "    def __init__(self) -> None:\n"
            "        self.queue: deque[str] = deque()\n"
            "        self.seen: set[str] = set()\n"
            "\n"
            "    def add(self, url: str) -> None:\n"
            "        if url not in self.seen:\n"
            "            self.seen.add(url)",
            28,
        ),
        Say(
            "`Frontier.seen` keeps every raw URL ever discovered, tracking and session query parameters included "
            "(1.9 M entries, ~490 B each). I'll store a 16-byte hash of the normalised URL instead."
        ),
        Edit(
            "crawler/frontier.py",
            "        self.seen: set[str] = set()",
            "        self.seen: set[bytes] = set()  # blake2b digests of normalised URLs",
            31,
        ),
        Edit(
            "crawler/frontier.py",
            "        if url not in self.seen:\n            self.seen.add(url)",
            "        key = blake2b(normalise(url).encode(), digest_size=16).digest()\n"
            "        if key not in self.seen:\n"
            "            self.seen.add(key)",
            34,
        ),
        Edit(
            "crawler/frontier.py",
            "from collections import deque",
            "from collections import deque\nfrom hashlib import blake2b\n\nfrom crawler.urls import normalise",
            1,
            stale=True,
        ),
        Read("crawler/frontier.py", "from __future__ import annotations\n\nimport collections", 1),
        Edit(
            "crawler/frontier.py",
            "import collections",
            "import collections\nfrom hashlib import blake2b\n\nfrom crawler.urls import normalise",
            3,
        ),
        Shell(
            "python -X tracemalloc=5 scripts/memprofile.py --max-pages 5000",
            top.replace("912 MiB (+871 MiB)", "61 MiB (+58 MiB)")
            .replace("average=490 B", "average=33 B")
            .replace("count=1951006", "count=1843380"),
            purpose="Profile memory again",
        ),
        *verify(CRAWLER),
        Say(
            "The seen set now holds 16-byte digests of normalised URLs: 61 MiB instead of 912 MiB for the same "
            "crawl, and tracking parameters no longer make duplicates."
        ),
    ]
    prompt = "The news crawl gets killed after ~40k pages. Memory leak? Find it."
    return Session("claude-code", CRAWLER, at(10, 23, 16, 10), prompt, steps, branch="fix/frontier-memory")


def title_extraction() -> Session:
    bug = Bug(
        "tests/test_parse.py::test_title_from_og_tag_when_title_missing",
        "        html = load_fixture('article_og_only.html')\n"
        ">       assert extract_title(html) == 'Rates hold steady'\n"
        "E       AssertionError: assert None == 'Rates hold steady'\n\ntests/test_parse.py:88: AssertionError",
        (
            *hunt(
                "tests/fixtures/article_og_only.html",
                "tests/**/article_og*",
                Read(
                    "tests/data/html/article_og_only.html",
                    "<html><head>\n"
                    '<meta property="og:title" content="Rates hold steady">\n'
                    "</head><body>…</body></html>",
                ),
            ),
            Read(
                "crawler/parse.py",
                "def extract_title(html: str) -> str | None:\n"
                "    doc = lxml.html.fromstring(html)\n"
                "    title = doc.findtext('.//title')\n"
                "    return title.strip() if title else None",
                50,
            ),
        ),
        "The fixture has no `<title>`, only an Open Graph tag, and `extract_title` never looks at `og:title`. I'll "
        "fall back to it, then to the first `<h1>`.",
        (
            Edit(
                "crawler/parse.py",
                "    return title.strip() if title else None",
                "    if not title:\n"
                "        title = doc.xpath('string(//meta[@property=\"og:title\"]/@content)') or "
                "doc.findtext('.//h1')\n"
                "    return title.strip() if title else None",
                53,
            ),
        ),
        passed=14,
    )
    steps = [
        *test_fix(CRAWLER, bug),
        *verify(CRAWLER),
        Say("Titles now fall back to `og:title` and then the first `<h1>`; the parser tests pass."),
        *ship(CRAWLER, "fix/og-title-fallback", "Fall back to og:title and h1 for titles", ["crawler/parse.py"]),
    ]
    prompt = "About 8% of parsed articles have title=None. Many are from sites that only set og:title. Handle that."
    return Session("claude-code", CRAWLER, at(11, 12, 9, 45), prompt, steps)


def sessions() -> list[Session]:
    return [
        tax_not_added(),
        yen_rounding(),
        discount_twice(),
        pdf_endpoint(),
        migration_nulls(),
        webhook_question(),
        retry_with_subagent(),
        robots_subdomains(),
        memory_growth(),
        title_extraction(),
    ]
