"""Routine work across all projects and agents: dependency upgrades, reviews, lint sweeps."""

from __future__ import annotations

from demo_corpus.chores import Review, Sweep, Upgrade, review, sweep, upgrade
from demo_corpus.outputs import DOCS, PYTHON
from demo_corpus.recipes import at
from demo_corpus.steps import Delegate, Edit, Read, Search, Session, Shell, Write
from demo_corpus.work_data import ETL
from demo_corpus.work_docs import SITE
from demo_corpus.work_go import AUTH
from demo_corpus.work_ops import INFRA
from demo_corpus.work_python import CRAWLER, INVOICE
from demo_corpus.work_web import WEBAPP

PYDANTIC = Upgrade(
    "pydantic",
    "1.10.18",
    "2.9.2",
    "requirements.txt",
    ("pydantic==1.10.18", "pydantic==2.9.2"),
    (
        "pip install -r requirements.txt",
        "Successfully installed annotated-types-0.7.0 pydantic-2.9.2 pydantic-core-2.23.4",
    ),
    (
        "https://docs.pydantic.dev/latest/migration/",
        "`.dict()` → `.model_dump()`, `.json()` → `.model_dump_json()`, `parse_obj` → `model_validate`; `Config` "
        "class → `model_config = ConfigDict(...)`; `orm_mode` → `from_attributes`. The old names still work but emit "
        "PydanticDeprecatedSince20.",
    ),
    "pytest -q -W error::DeprecationWarning",
    PYTHON.failed(
        "tests/test_api.py::test_create_invoice",
        "invoice/api/invoices.py:41: in create_invoice\n"
        "    payload = body.dict(exclude_unset=True)\n"
        "E   pydantic.warnings.PydanticDeprecatedSince20: The `dict` method is deprecated; use `model_dump` instead.",
        31,
    ),
    (
        Search(
            "\\.dict\\(|orm_mode|parse_obj",
            (
                "invoice/api/invoices.py:41:    payload = body.dict(exclude_unset=True)",
                "invoice/api/payments.py:28:    return PaymentOut.parse_obj(row)",
                "invoice/schemas.py:17:        orm_mode = True",
            ),
        ),
    ),
    "Three v1 idioms are left: `.dict()`, `parse_obj` and the `orm_mode` config. Replacing each with its v2 name.",
    (
        Edit("invoice/api/invoices.py", "body.dict(exclude_unset=True)", "body.model_dump(exclude_unset=True)", 41),
        Edit("invoice/api/payments.py", "PaymentOut.parse_obj(row)", "PaymentOut.model_validate(row)", 28),
        Edit(
            "invoice/schemas.py",
            "    class Config:\n        orm_mode = True",
            "    model_config = ConfigDict(from_attributes=True)",
            16,
        ),
    ),
    PYTHON.passed("tests", 48),
    "pydantic is on 2.9.2 with no deprecated v1 calls left; the suite passes with deprecation warnings as errors.",
)

ESLINT = Upgrade(
    "eslint",
    "8.57.0",
    "9.14.0",
    "package.json",
    ('"eslint": "^8.57.0"', '"eslint": "^9.14.0"'),
    ("npm install", "added 12 packages, removed 31 packages, changed 4 packages in 6s"),
    (
        "https://eslint.org/docs/latest/use/migrate-to-9.0.0",
        "Flat config (`eslint.config.js`) is the default; `.eslintrc.*` is ignored unless "
        "ESLINT_USE_FLAT_CONFIG=false. Legacy shareable configs can be loaded with FlatCompat from @eslint/eslintrc.",
    ),
    "npm run lint",
    "> webapp@3.4.0 lint\n"
    "> eslint . --max-warnings 0\n"
    "\n"
    "Oops! Something went wrong! :(\n"
    "\n"
    "ESLint: 9.14.0\n"
    "\n"
    "ESLint couldn't find an eslint.config.(js|mjs|cjs) file.\n"
    "\n"
    "From ESLint v9.0.0, the default configuration file is now eslint.config.js.",
    (
        Read(
            ".eslintrc.cjs",
            "module.exports = {\n"
            "  extends: ['eslint:recommended', 'plugin:react-hooks/recommended', "
            "'plugin:@typescript-eslint/recommended'],\n"
            "  ignorePatterns: ['dist'],\n"
            "};",
        ),
    ),
    "ESLint 9 only reads flat config. The old config is three presets and an ignore, so a native flat config is short.",
    (
        Write(
            "eslint.config.js",
            "import js from '@eslint/js';\n"
            "import hooks from 'eslint-plugin-react-hooks';\n"
            "import ts from 'typescript-eslint';\n"
            "\n"
            "export default ts.config(\n"
            "  { ignores: ['dist'] },\n"
            "  js.configs.recommended,\n"
            "  ...ts.configs.recommended,\n"
            "  { plugins: { 'react-hooks': hooks }, rules: hooks.configs.recommended.rules },\n"
            ");\n",
        ),
        Shell("git rm .eslintrc.cjs", "rm '.eslintrc.cjs'"),
    ),
    "> webapp@3.4.0 lint\n> eslint . --max-warnings 0\n",
    "ESLint 9.14 with a flat `eslint.config.js` (same three rule sets); the old `.eslintrc.cjs` is gone and lint "
    "passes.",
)

DBT_UTILS = Upgrade(
    "dbt-labs/dbt_utils",
    "0.9.6",
    "1.3.0",
    "packages.yml",
    ("    version: 0.9.6", "    version: 1.3.0"),
    ("dbt deps", "09:02:11  Installing dbt-labs/dbt_utils\n09:02:12  Installed from version 1.3.0"),
    (
        "https://github.com/dbt-labs/dbt-utils/blob/main/CHANGELOG.md",
        "1.0.0 removed `surrogate_key` in favour of `generate_surrogate_key`, which treats nulls differently (set "
        "`surrogate_key_treat_nulls_as_empty_strings: true` to keep old keys).",
    ),
    "dbt compile",
    "09:03:40  Encountered an error:\n"
    "Compilation Error in model fct_orders (models/marts/fct_orders.sql)\n"
    "  Warning: `dbt_utils.surrogate_key` has been replaced by `dbt_utils.generate_surrogate_key`. The new macro "
    "treats null values differently to empty strings.",
    (
        Search(
            "surrogate_key",
            (
                "models/marts/fct_orders.sql:3:    {{ dbt_utils.surrogate_key(['order_id', 'line_no']) }} as "
                "order_line_key,",
                "models/marts/fct_refunds.sql:3:    {{ dbt_utils.surrogate_key(['refund_id']) }} as refund_key,",
            ),
        ),
    ),
    "Two models use the removed macro. To keep existing keys stable (dashboards join on them) I'll switch macro and "
    "set the compatibility variable.",
    (
        Edit("models/marts/fct_orders.sql", "dbt_utils.surrogate_key(", "dbt_utils.generate_surrogate_key(", 3),
        Edit("models/marts/fct_refunds.sql", "dbt_utils.surrogate_key(", "dbt_utils.generate_surrogate_key(", 3),
        Edit("dbt_project.yml", "vars:\n", "vars:\n  surrogate_key_treat_nulls_as_empty_strings: true\n", 30),
    ),
    "09:05:02  Found 42 models, 118 data tests, 9 sources, 615 macros\n09:05:09  Done.",
    "dbt_utils 1.3.0: both models use `generate_surrogate_key` with null handling pinned to the old behaviour, so "
    "keys don't change.",
)

AWS_PROVIDER = Upgrade(
    "hashicorp/aws",
    "5.82.0",
    "6.2.0",
    "envs/prod/versions.tf",
    ('version = "~> 5.82"', 'version = "~> 6.2"'),
    (
        "terraform -chdir=envs/prod init -upgrade",
        "- Installing hashicorp/aws v6.2.0...\n"
        "- Installed hashicorp/aws v6.2.0 (signed by HashiCorp)\n"
        "\n"
        "Terraform has been successfully initialized!",
    ),
    (
        "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/version-6-upgrade",
        'aws_eip: `vpc` argument removed, use `domain = "vpc"`. `aws_instance`: `cpu_core_count` and '
        "`cpu_threads_per_core` removed, use `cpu_options`.",
    ),
    "terraform -chdir=envs/prod validate",
    "╷\n"
    "│ Error: Unsupported argument\n"
    "│\n"
    '│   on network.tf line 48, in resource "aws_eip" "nat":\n'
    "│   48:   vpc = true\n"
    "│\n"
    '│ An argument named "vpc" is not expected here.\n'
    "╵",
    (
        Read(
            "envs/prod/network.tf",
            'resource "aws_eip" "nat" {\n  count = length(var.public_subnets)\n  vpc   = true\n}',
            46,
        ),
    ),
    'Provider 6 removed `vpc = true` on `aws_eip`; the replacement is `domain = "vpc"`, which maps to the same API '
    "value, so no resource is replaced.",
    (Edit("envs/prod/network.tf", "  vpc   = true", '  domain = "vpc"', 48),),
    "Success! The configuration is valid.",
    "The prod stack is on hashicorp/aws 6.2; the only breaking change we hit was `aws_eip.vpc`, now `domain = "
    '"vpc"`. A plan shows no changes.',
)

GO_124 = Upgrade(
    "go",
    "1.22",
    "1.24",
    "go.mod",
    ("go 1.22", "go 1.24"),
    ("go mod tidy", ""),
    (
        "https://go.dev/doc/go1.24",
        "The vet printf check now reports calls like fmt.Printf(s) with a non-constant format string and no other "
        "arguments. New: generic type aliases, `testing.B.Loop`, `omitzero` JSON tag.",
    ),
    "go vet ./...",
    "# github.com/acme/auth-service/internal/session\n"
    "internal/session/manager.go:61:24: printf: non-constant format string in call to fmt.Errorf",
    (Read("internal/session/manager.go", "\t\treturn fmt.Errorf(reason)", 61),),
    "Go 1.24's vet flags `fmt.Errorf(reason)`: a `%` in the reason would be read as a verb. It has no arguments, so "
    "`errors.New` is right.",
    (Edit("internal/session/manager.go", "\t\treturn fmt.Errorf(reason)", "\t\treturn errors.New(reason)", 61),),
    "",
    "auth-service builds with Go 1.24; the one new vet finding (a non-constant format string) is fixed.",
)

MATERIAL = Upgrade(
    "mkdocs-material",
    "9.5.44",
    "9.6.4",
    "requirements.txt",
    ("mkdocs-material==9.5.44", "mkdocs-material[imaging]==9.6.4"),
    ("pip install -r requirements.txt", "Successfully installed cairosvg-2.7.1 mkdocs-material-9.6.4 pillow-11.0.0"),
    (
        "https://squidfunk.github.io/mkdocs-material/plugins/requirements/image-processing/",
        "The social plugin needs the imaging extra and the Cairo Graphics library (`libcairo2` on Debian/Ubuntu).",
    ),
    DOCS.suite,
    "ERROR   -  Error reading page 'index.md': no library called \"cairo-2\" was found\n"
    'no library called "cairo" was found\n'
    'no library called "libcairo-2" was found',
    (
        Shell(
            "apt-get install -y libcairo2",
            "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\n"
            "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?",
            100,
        ),
    ),
    "The social cards now render with Cairo, which isn't installed, and apt needs root here.",
    (
        Shell(
            "sudo apt-get install -y libcairo2",
            "Setting up libcairo2:amd64 (1.18.0-3) ...\nProcessing triggers for libc-bin (2.40-2) ...",
        ),
    ),
    DOCS.suite_ok,
    "mkdocs-material 9.6.4 with the imaging extra; social cards build once libcairo2 is installed (added to the CI "
    "image too).",
)

PYTEST_8 = Upgrade(
    "pytest",
    "7.4.4",
    "8.3.3",
    "requirements-dev.txt",
    ("pytest==7.4.4", "pytest==8.3.3"),
    ("pip install -r requirements-dev.txt", "Successfully installed iniconfig-2.0.0 pluggy-1.5.0 pytest-8.3.3"),
    (
        "https://docs.pytest.org/en/stable/changelog.html#pytest-8-0-0-2024-01-27",
        "`pytest.warns(None)` was removed; to assert that no warnings are raised use `warnings.catch_warnings()` "
        "with `simplefilter('error')`.",
    ),
    "pytest -q",
    PYTHON.failed(
        "tests/test_robots.py::test_parse_emits_no_warnings",
        "    with pytest.warns(None) as record:\n"
        "E   TypeError: exceptions must be derived from Warning, not <class 'NoneType'>",
        40,
    ),
    (
        Read(
            "tests/test_robots.py",
            "def test_parse_emits_no_warnings():\n"
            "    with pytest.warns(None) as record:\n"
            "        parse_robots(SAMPLE)\n"
            "    assert not record",
            70,
        ),
    ),
    "`pytest.warns(None)` is gone in pytest 8; the supported way is to turn warnings into errors inside the block.",
    (
        Edit(
            "tests/test_robots.py",
            "    with pytest.warns(None) as record:\n        parse_robots(SAMPLE)\n    assert not record",
            '    with warnings.catch_warnings():\n        warnings.simplefilter("error")\n        parse_robots(SAMPLE)',
            71,
        ),
    ),
    PYTHON.passed("tests", 48),
    "pytest 8.3.3; one test used the removed `pytest.warns(None)` and now checks for warnings with `catch_warnings`.",
)

REACT_19 = Upgrade(
    "react",
    "18.3.1",
    "19.0.0",
    "package.json",
    ('"react": "^18.3.1",\n    "react-dom": "^18.3.1"', '"react": "^19.0.0",\n    "react-dom": "^19.0.0"'),
    ("npm install", "changed 4 packages in 3s"),
    (
        "https://react.dev/blog/2024/04/25/react-19-upgrade-guide",
        "Removed: `ReactDOM.render` (use `createRoot`), `propTypes` and `defaultProps` on function components, "
        "string refs. `ref` is a regular prop for function components.",
    ),
    "npx tsc --noEmit",
    "src/main.tsx:8:10 - error TS2339: Property 'render' does not exist on type 'typeof import(\"react-dom\")'.\n"
    "\n"
    "8 ReactDOM.render(<App />, document.getElementById('root'));\n"
    "           ~~~~~~\n"
    "\n"
    "Found 1 error in src/main.tsx:8",
    (
        Read(
            "src/main.tsx",
            "import ReactDOM from 'react-dom';\n"
            "import { App } from './App';\n"
            "\n"
            "ReactDOM.render(<App />, document.getElementById('root'));",
            5,
        ),
    ),
    "The entry point still uses `ReactDOM.render`, removed in React 19.",
    (
        Edit("src/main.tsx", "import ReactDOM from 'react-dom';", "import { createRoot } from 'react-dom/client';", 5),
        Edit(
            "src/main.tsx",
            "ReactDOM.render(<App />, document.getElementById('root'));",
            "createRoot(document.getElementById('root')!).render(<App />);",
            8,
        ),
    ),
    "",
    "React and react-dom 19.0.0; the entry point mounts with `createRoot`, type-check, tests and lint pass.",
)


LATE_FEES = Review(
    231,
    "Add late fees",
    "mkovacs",
    "Charges 1.5% per month on overdue invoices, computed nightly.",
    ("invoice/fees.py", "invoice/jobs/nightly.py", "tests/test_fees.py"),
    (
        Read(
            "invoice/fees.py",
            "def late_fee(invoice: Invoice, today: date) -> Decimal:\n"
            "    days = (today - invoice.due_date).days\n"
            "    return invoice.total * (Decimal('1.015') ** (days / 30) - 1)",
            8,
        ),
        Read(
            "tests/test_fees.py",
            "def test_fee_after_one_month():\n"
            "    assert late_fee(invoice(total='100.00', due='2026-01-01'), date(2026, 1, 31)) == Decimal('1.50')",
            1,
        ),
    ),
    "Requesting changes: (1) `late_fee` compounds monthly on the *total*, but the contract terms say simple "
    "interest on the *outstanding* amount, so partial payments are ignored; (2) `days / 30` is a float inside "
    "Decimal math, use `Decimal(days) / 30`; (3) please add tests for partial payments and for invoices not yet due.",
    "request-changes",
    Delegate(
        "Find outstanding-amount helpers",
        "Is there an existing function that computes the outstanding (unpaid) amount of an invoice? Where are "
        "payments recorded? Report file:line.",
        (
            Search(
                "outstanding|amount_due",
                (
                    "invoice/models.py:88:    def amount_due(self) -> Decimal:",
                    "invoice/payments/ledger.py:31:def outstanding(invoice_id: str) -> Decimal:",
                ),
            ),
            Read(
                "invoice/models.py",
                "    def amount_due(self) -> Decimal:\n"
                "        return self.total - sum(p.amount for p in self.payments)",
                88,
            ),
        ),
        "`Invoice.amount_due` (invoice/models.py:88) returns total minus recorded payments; `payments/ledger.py:31` "
        "has a DB-side equivalent. Payments are rows in `payments` linked by invoice id.",
    ),
)

LAZY_CHARTS = Review(
    518,
    "Lazy-load dashboard charts",
    "yuki-t",
    "Moves the chart library into a separate chunk loaded with React.lazy. Main bundle 412 kB → 188 kB.",
    ("src/pages/Dashboard.tsx", "src/components/charts/index.ts"),
    (
        Read(
            "src/pages/Dashboard.tsx",
            "const RevenueChart = lazy(() => import('../components/charts/RevenueChart'));\n"
            "...\n"
            "<Suspense fallback={<Spinner />}>\n"
            "  <RevenueChart data={revenue} />\n"
            "</Suspense>",
            4,
        ),
    ),
    "Looks good and the bundle win is real. One suggestion: the `<Spinner />` fallback is 40 px tall while the "
    "chart is 320 px, so the page jumps when it loads; a fallback with the chart's height avoids the layout shift.",
    "comment",
)

OPEN_POSTGRES = Review(
    77,
    "Open 5432 for analytics",
    "data-bot",
    "The BI tool needs to reach the replica.",
    ("envs/prod/database.tf",),
    (
        Read(
            "envs/prod/database.tf",
            "ingress {\n"
            "  from_port   = 5432\n"
            "  to_port     = 5432\n"
            '  protocol    = "tcp"\n'
            '  cidr_blocks = ["0.0.0.0/0"]\n'
            "}",
            61,
        ),
    ),
    "Requesting changes: this opens the database port to the whole internet. The BI tool has fixed egress IPs "
    "(34.90.12.0/28 per their docs); please allow that range only, on the read replica's security group rather "
    "than the shared database one, and require TLS (`rds.force_ssl = 1`).",
    "request-changes",
)

ASYNC_FETCH = Review(
    96,
    "Parallel fetching with asyncio",
    "ines-r",
    "Replaces the thread pool with aiohttp and a global semaphore of 64.",
    ("crawler/fetch_async.py", "crawler/run.py", "tests/test_fetch_async.py"),
    (
        Read(
            "crawler/fetch_async.py",
            "SEM = asyncio.Semaphore(64)\n"
            "\n"
            "async def fetch(session, url):\n"
            "    async with SEM:\n"
            "        async with session.get(url) as response:\n"
            "            return await response.text()",
            10,
        ),
    ),
    "Nice speed-up. Before merging: the single global semaphore lets 64 requests hit one host at once, which "
    "breaks our per-host politeness limit of 2; use a semaphore per host. Also the retry/backoff from "
    "`fetch.py` is not carried over, so transient errors now fail pages.",
    "request-changes",
)


STRICT_TS = Sweep(
    "Turn on strictNullChecks in tsconfig and fix the errors.",
    "npx tsc --noEmit",
    "src/pages/Invoice.tsx:31:22 - error TS18048: 'invoice' is possibly 'undefined'.\n"
    "src/hooks/useUser.ts:12:5 - error TS2322: Type 'User | null' is not assignable to type 'User'.\n"
    "src/lib/format.ts:8:19 - error TS2345: Argument of type 'string | undefined' is not assignable to parameter of "
    "type 'string'.\n"
    "\n"
    "Found 3 errors in 3 files.",
    "Three places assumed values that can be missing. I'll handle each case rather than add `!` assertions.",
    (
        Edit("tsconfig.json", '"strict": false', '"strict": false,\n    "strictNullChecks": true', 9),
        Edit(
            "src/pages/Invoice.tsx",
            "  const total = formatMoney(invoice.total);",
            "  if (!invoice) return <NotFound />;\n  const total = formatMoney(invoice.total);",
            31,
        ),
        Edit(
            "src/hooks/useUser.ts", "export function useUser(): User {", "export function useUser(): User | null {", 12
        ),
        Edit(
            "src/lib/format.ts",
            "  return new Intl.NumberFormat(locale, {",
            "  return new Intl.NumberFormat(locale ?? 'en-US', {",
            8,
        ),
    ),
    "",
    "strictNullChecks is on; a missing invoice renders NotFound, `useUser` admits it can return null, and number "
    "formatting falls back to en-US.",
)

RUFF_RULES = Sweep(
    "Enable ruff's B, UP and SIM rules and fix what they find.",
    "ruff check .",
    "crawler/fetch.py:9:1: UP035 [*] Import from `collections.abc` instead: `Iterable`\n"
    "crawler/frontier.py:52:9: SIM102 Use a single `if` statement instead of nested `if` statements\n"
    "crawler/run.py:33:5: B006 Do not use mutable data structures for argument defaults\n"
    "crawler/urls.py:17:12: B904 Within an `except` clause, raise exceptions with `raise ... from err`\n"
    "Found 4 errors.\n[*] 1 fixable with the `--fix` option.",
    "All four are worth fixing by hand; B006 is a real bug (the default list is shared between calls).",
    (
        Edit("pyproject.toml", 'select = ["E", "F", "I"]', 'select = ["E", "F", "I", "B", "UP", "SIM"]', 21),
        Edit("crawler/fetch.py", "from typing import Iterable", "from collections.abc import Iterable", 9),
        Edit(
            "crawler/frontier.py",
            "        if url:\n            if self.allowed(url):",
            "        if url and self.allowed(url):",
            52,
        ),
        Edit("crawler/run.py", "def crawl(seeds, skip=[]):", "def crawl(seeds, skip=None):\n    skip = skip or []", 33),
        Edit(
            "crawler/urls.py",
            "    except ValueError:\n        raise InvalidURL(url)",
            "    except ValueError as err:\n        raise InvalidURL(url) from err",
            16,
        ),
    ),
    "All checks passed!",
    "B, UP and SIM are enabled and clean; the B006 fix means `crawl()` no longer shares its skip list between runs.",
)

ERRCHECK = Sweep(
    "Enable errcheck in golangci-lint and fix the findings.",
    "golangci-lint run --enable errcheck ./...",
    "internal/httpapi/login.go:58:15: Error return value of `json.NewEncoder(w).Encode` is not checked (errcheck)\n"
    "internal/session/manager.go:92:12: Error return value of `m.store.Delete` is not checked (errcheck)\n"
    "cmd/authd/main.go:71:17: Error return value of `srv.Shutdown` is not checked (errcheck)",
    "Two of these can lose real failures (a session that is not deleted on logout is a security issue).",
    (
        Edit(
            "internal/httpapi/login.go",
            "\tjson.NewEncoder(w).Encode(resp)",
            "\tif err := json.NewEncoder(w).Encode(resp); err != nil {\n"
            '\t\tlog.Printf("login: write response: %v", err)\n'
            "\t}",
            58,
        ),
        Edit(
            "internal/session/manager.go",
            "\tm.store.Delete(ctx, id)\n\treturn nil",
            "\treturn m.store.Delete(ctx, id)",
            92,
        ),
        Edit(
            "cmd/authd/main.go",
            "\tsrv.Shutdown(ctx)",
            '\tif err := srv.Shutdown(ctx); err != nil {\n\t\tlog.Printf("shutdown: %v", err)\n\t}',
            71,
        ),
        Edit(".golangci.yml", "    - govet", "    - govet\n    - errcheck", 6),
    ),
    "",
    "errcheck is on and clean; logout now fails loudly if the session cannot be deleted.",
)


def sessions() -> list[Session]:
    return [
        upgrade("claude-code", INVOICE, at(10, 8, 10, 0), PYDANTIC),
        upgrade("claude-code", WEBAPP, at(10, 10, 14, 20), ESLINT),
        upgrade("codex-cli", ETL, at(10, 14, 9, 0), DBT_UTILS),
        upgrade("codex-cli", INFRA, at(11, 1, 10, 30), AWS_PROVIDER, ships=False),
        upgrade("codex-cli", AUTH, at(11, 15, 9, 10), GO_124),
        upgrade("gemini-cli", SITE, at(11, 3, 13, 0), MATERIAL, ships=False),
        upgrade("claude-code", CRAWLER, at(10, 9, 16, 0), PYTEST_8),
        upgrade("gemini-cli", WEBAPP, at(11, 17, 10, 0), REACT_19, ships=False),
        review("claude-code", INVOICE, at(11, 5, 16, 30), LATE_FEES),
        review("gemini-cli", WEBAPP, at(11, 11, 11, 45), LAZY_CHARTS),
        review("codex-cli", INFRA, at(10, 30, 9, 15), OPEN_POSTGRES),
        review("claude-code", CRAWLER, at(11, 16, 14, 10), ASYNC_FETCH),
        sweep("claude-code", WEBAPP, at(10, 24, 15, 0), STRICT_TS),
        sweep("claude-code", CRAWLER, at(10, 10, 11, 20), RUFF_RULES),
        sweep("codex-cli", AUTH, at(10, 26, 13, 40), ERRCHECK),
    ]
