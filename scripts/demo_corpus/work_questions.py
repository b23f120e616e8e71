"""Quick questions about the projects, answered after a look or two, by every kind of agent."""

from __future__ import annotations

from demo_corpus.chores import Question, question, search_then_read
from demo_corpus.recipes import at
from demo_corpus.steps import Delegate, Find, Read, Search, Session, Shell
from demo_corpus.work_data import ETL
from demo_corpus.work_docs import SITE
from demo_corpus.work_go import AUTH
from demo_corpus.work_ops import INFRA
from demo_corpus.work_python import CRAWLER, INVOICE
from demo_corpus.work_web import WEBAPP

CONFLICT = Question(
    "What does a 409 from POST /invoices mean? I see a few hundred a day in the logs.",
    tuple(
        search_then_read(
            "status_code=409",
            'invoice/api/invoices.py:52:        raise HTTPException(status_code=409, detail="idempotency key reused '
            'with a different body")',
            "    existing = idempotency.get(key)\n"
            "    if existing and existing.body_hash != body_hash:\n"
            '        raise HTTPException(status_code=409, detail="idempotency key reused with a different body")',
        )
    ),
    "409 means a client reused an `Idempotency-Key` with a different request body (invoice/api/invoices.py:52). "
    "Same key and same body returns the original invoice instead. A few hundred a day usually means a client "
    "generates keys per session instead of per request; the key is in the `idempotency_key` log field.",
)

AUDIT = Question(
    "npm ci says 3 moderate severity vulnerabilities. Should I care?",
    (
        Shell("npm audit --omit=dev", "found 0 vulnerabilities"),
        Shell(
            "npm audit",
            "esbuild  <=0.24.2\n"
            "Severity: moderate\n"
            "esbuild enables any website to send any requests to the development server and read the response\n"
            "fix available via `npm audit fix --force`\n"
            "Will install vite@6.0.7, which is a breaking change\n"
            "node_modules/esbuild\n"
            "  vite  0.11.0 - 6.1.6\n"
            "\n"
            "3 moderate severity vulnerabilities",
        ),
    ),
    "Not for production: `npm audit --omit=dev` finds nothing. All three come from esbuild via Vite's dev "
    "server, which only matters while `npm run dev` is running on an exposed port. The fix is the Vite 6 "
    "upgrade, which is worth scheduling but not urgent.",
)

WHO_WRITES = Question(
    "Which DAG writes analytics.daily_revenue?",
    (
        Search(
            "daily_revenue",
            (
                'dags/daily_revenue.py:12:with DAG("daily_revenue", schedule="0 6 * * *", catchup=False) as dag:',
                "models/marts/daily_revenue.sql:1:{{ config(materialized='table', schema='analytics') }}",
                'dags/daily_revenue.py:41:    run_models = BashOperator(task_id="run_models", bash_command="dbt '
                'build --select +daily_revenue")',
            ),
        ),
    ),
    "The `daily_revenue` DAG (dags/daily_revenue.py), at 06:00 UTC: its `run_models` task runs `dbt build --select "
    "+daily_revenue`, and the table itself is the dbt model models/marts/daily_revenue.sql.",
)

NODES = Question(
    "How many nodes does prod have, and is anything NotReady?",
    (
        Shell(
            "kubectl get nodes -o wide --context prod",
            "NAME                          STATUS     ROLES    AGE   VERSION\n"
            "ip-10-0-1-23.ec2.internal     Ready      <none>   41d   v1.31.2\n"
            "ip-10-0-2-117.ec2.internal    Ready      <none>   41d   v1.31.2\n"
            "ip-10-0-3-54.ec2.internal     NotReady   <none>   2d    v1.31.2\n"
            "ip-10-0-1-201.ec2.internal    Ready      <none>   12d   v1.31.2",
        ),
        Shell(
            "kubectl describe node ip-10-0-3-54.ec2.internal --context prod | grep -A3 Conditions",
            "Conditions:\n"
            "  Type             Status  Reason\n"
            "  MemoryPressure   False   KubeletHasSufficientMemory\n"
            "  Ready            Unknown NodeStatusUnknown   Kubelet stopped posting node status.",
        ),
    ),
    "Four nodes; one, ip-10-0-3-54, is NotReady: its kubelet stopped reporting two days ago. Its pods were "
    "rescheduled, but the node still counts against the autoscaler. I'd cordon and terminate it so the group "
    "replaces it.",
)

TOKEN_TTL = Question(
    "What's our access token lifetime, and the refresh token's?",
    (
        Search(
            "TTL",
            (
                "internal/token/config.go:9:\tAccessTTL  = 15 * time.Minute",
                "internal/token/config.go:10:\tRefreshTTL = 30 * 24 * time.Hour",
                'cmd/authd/main.go:52:\tttl := envDuration("ACCESS_TTL", token.AccessTTL)',
            ),
        ),
    ),
    "Access tokens live 15 minutes and refresh tokens 30 days (internal/token/config.go). The access TTL can be "
    "overridden with `ACCESS_TTL`; the refresh TTL cannot.",
)

USER_AGENT = Question(
    "What user agent does the crawler send? A site owner asked.",
    tuple(
        search_then_read(
            "USER_AGENT",
            'crawler/config.py:12:USER_AGENT = "AcmeBot/2.3 (+https://acme.dev/bot)"',
            'USER_AGENT = "AcmeBot/2.3 (+https://acme.dev/bot)"\nCONTACT = "bot@acme.dev"',
        )
    ),
    "`AcmeBot/2.3 (+https://acme.dev/bot)`, with the info page linked; they can block it in robots.txt with "
    "`User-agent: AcmeBot`, which the crawler honours per origin.",
)

DESCRIPTIONS = Question(
    "Which docs pages have no description in their front matter?",
    (
        Shell(
            "grep -L '^description:' -r docs --include='*.md'",
            "docs/guides/domains.md\ndocs/reference/cli.md\ndocs/runbooks/edge-503.md\ndocs/changelog.md",
        ),
    ),
    "Four: guides/domains.md, reference/cli.md, runbooks/edge-503.md and changelog.md. The changelog is fine "
    "without one; the other three show a generic snippet in search results.",
)

INDEX = Question(
    "Is there an index on invoices.customer_id?",
    (
        Shell(
            'psql "$DATABASE_URL" -c "\\d invoices"',
            "Indexes:\n"
            '    "invoices_pkey" PRIMARY KEY, btree (id)\n'
            '    "invoices_customer_id_issued_at_idx" btree (customer_id, issued_at DESC)\n'
            '    "invoices_number_key" UNIQUE CONSTRAINT, btree (number)',
        ),
    ),
    "Yes, as the leading column of `invoices_customer_id_issued_at_idx (customer_id, issued_at DESC)`, which serves "
    "lookups by customer and the customer's newest invoices.",
)

SLOW_RUN = Question(
    "Why did yesterday's daily_revenue run take 3 hours?",
    (
        Shell(
            "airflow tasks states-for-dag-run daily_revenue scheduled__2026-11-12T06:00:00+00:00 -o table",
            "task_id       | state   | start_date          | end_date\n"
            "load_fx_rates | success | 2026-11-12T06:00:04 | 2026-11-12T06:00:07\n"
            "run_models    | success | 2026-11-12T06:00:09 | 2026-11-12T08:51:40\n"
            "notify        | success | 2026-11-12T08:51:42 | 2026-11-12T08:51:43",
        ),
        Shell(
            "airflow pools list -o table",
            "pool         | slots | description\n"
            "dbt          | 1     | one dbt build at a time\n"
            "default_pool | 128   |",
        ),
    ),
    "`run_models` waited: the `dbt` pool has a single slot, and Priya's customer backfill held it from 05:50 to "
    "08:40. The build itself took about 11 minutes. Backfills could use their own pool so they don't block the daily "
    "run.",
)

BUNDLE = Question(
    "How big is the main JS chunk now?",
    (
        Shell(
            "npm run build",
            "> webapp@3.4.0 build\n"
            "> tsc -b && vite build\n"
            "✓ 231 modules transformed.\n"
            "dist/assets/index-8c1d.js       188.41 kB │ gzip: 62.17 kB\n"
            "dist/assets/charts-2b7e.js     224.90 kB │ gzip: 71.33 kB\n"
            "✓ built in 3.41s",
        ),
    ),
    "188 kB (62 kB gzipped). The chart library is its own 225 kB chunk since the lazy-loading PR, loaded only on the "
    "dashboard.",
)

ADMIN_ROLE = Question(
    "Who can assume the prod admin role?",
    (
        Shell(
            "aws iam get-role --role-name prod-admin --query 'Role.AssumeRolePolicyDocument.Statement[].Principal'",
            "[\n"
            "    {\n"
            '        "AWS": [\n'
            '            "arn:aws:iam::481516234200:role/sso-platform-team",\n'
            '            "arn:aws:iam::481516234200:user/ci-terraform"\n'
            "        ]\n"
            "    }\n"
            "]",
        ),
    ),
    "Two principals: the platform team's SSO role and the `ci-terraform` IAM user. The CI user has long-lived "
    "keys; moving CI to GitHub OIDC would remove the only static credential that can become admin.",
)

CRAWL_STATS = Question(
    "How did last night's crawl go?",
    (
        Shell(
            "jq '.pages, .errors' runs/2026-11-12/stats.json",
            '41822\n{\n  "http_403": 912,\n  "timeout": 388,\n  "dns": 41,\n  "robots_disallowed": 2210\n}',
        ),
    ),
    "41,822 pages fetched. 1,341 failures: 912 HTTP 403 (mostly two news sites blocking datacenter IPs), 388 "
    "timeouts and 41 DNS errors; another 2,210 URLs were skipped by robots.txt, as expected.",
)

SESSION_PACKAGE = Question(
    "I'm new here. Explain what internal/session does and how it talks to the rest.",
    (
        Delegate(
            "Map the session package",
            "Describe internal/session in auth-service: its types, who calls it, what it stores where, and how "
            "sessions end. Cite file:line.",
            (
                Find(
                    "internal/session/*.go",
                    ("internal/session/cookie.go", "internal/session/manager.go", "internal/session/store_redis.go"),
                ),
                Read(
                    "internal/session/manager.go",
                    "type Manager struct {\n"
                    "\tstore    Store\n"
                    "\taccounts *store.AccountRepository\n"
                    "\tttl      time.Duration\n"
                    "}",
                    9,
                ),
                Read(
                    "internal/session/store_redis.go",
                    "func (s *RedisStore) Put(ctx context.Context, id string, sess Session, ttl time.Duration) error "
                    "{\n"
                    '\treturn s.rdb.Set(ctx, "sess:"+id, sess.Encode(), ttl).Err()\n'
                    "}",
                    20,
                ),
                Search(
                    "session.Manager",
                    (
                        "internal/httpapi/login.go:25:\tSessions *session.Manager",
                        "internal/httpapi/logout.go:14:\th.Sessions.End(r.Context(), id)",
                        "cmd/authd/main.go:44:\tsessions := session.NewManager(redisStore, accounts, 12*time.Hour)",
                    ),
                ),
            ),
            "internal/session has a `Manager` (manager.go:9) over a `Store` interface; the only store is Redis "
            "(store_redis.go:20, keys `sess:<id>`, TTL 12 h set in cmd/authd/main.go:44). Login creates a session "
            "and sets the cookie (cookie.go), logout calls `Manager.End` (httpapi/logout.go:14), and expiry is "
            "left to Redis TTLs.",
        ),
    ),
    "In short: `session.Manager` creates, reads and ends sessions, stored in Redis as `sess:<id>` with a 12-hour "
    "TTL. The HTTP layer calls it at login and logout, and the cookie helpers in cookie.go set the browser side. "
    "Nothing sweeps sessions; Redis expiry does.",
)

LINEAGE = Question(
    "What feeds fct_revenue? I need the lineage before changing stg_payments.",
    (
        Delegate(
            "Trace fct_revenue lineage",
            "List every model and source upstream of models/marts/fct_revenue.sql, and every model downstream of "
            "stg_payments. Use dbt ls; report as a tree.",
            (
                Shell(
                    "dbt ls --select +fct_revenue --resource-type model source",
                    "source:etl_warehouse.shop.orders\n"
                    "source:etl_warehouse.pos.payments\n"
                    "model.etl_warehouse.stg_orders\n"
                    "model.etl_warehouse.stg_payments\n"
                    "model.etl_warehouse.int_order_payments\n"
                    "model.etl_warehouse.fct_revenue",
                ),
                Shell(
                    "dbt ls --select stg_payments+",
                    "model.etl_warehouse.stg_payments\n"
                    "model.etl_warehouse.int_order_payments\n"
                    "model.etl_warehouse.fct_revenue\n"
                    "model.etl_warehouse.daily_revenue\n"
                    "test.etl_warehouse.assert_payment_amounts_parse",
                ),
            ),
            "fct_revenue ← int_order_payments ← (stg_orders ← shop.orders, stg_payments ← pos.payments). "
            "Downstream of stg_payments: int_order_payments, fct_revenue, daily_revenue and the amount-parsing test.",
        ),
    ),
    "fct_revenue is built from int_order_payments, which joins stg_orders (shop.orders) and stg_payments "
    "(pos.payments). A change to stg_payments reaches int_order_payments, fct_revenue and daily_revenue; run "
    "`dbt build --select stg_payments+` to check all of them.",
)


def sessions() -> list[Session]:
    return [
        question("claude-code", INVOICE, at(10, 20, 16, 5), CONFLICT),
        question("gemini-cli", WEBAPP, at(10, 22, 9, 15), AUDIT),
        question("codex-cli", ETL, at(10, 27, 11, 50), WHO_WRITES),
        question("claude-code", INFRA, at(11, 3, 8, 40), NODES),
        question("codex-cli", AUTH, at(11, 5, 10, 5), TOKEN_TTL),
        question("claude-code", CRAWLER, at(11, 6, 13, 25), USER_AGENT),
        question("gemini-cli", SITE, at(11, 7, 16, 50), DESCRIPTIONS),
        question("codex-cli", INVOICE, at(11, 10, 9, 5), INDEX),
        question("claude-code", ETL, at(11, 13, 9, 0), SLOW_RUN),
        question("claude-code", WEBAPP, at(11, 13, 17, 20), BUNDLE),
        question("codex-cli", INFRA, at(11, 14, 11, 0), ADMIN_ROLE),
        question("gemini-cli", CRAWLER, at(11, 13, 8, 15), CRAWL_STATS),
        question("claude-code", AUTH, at(10, 12, 10, 0), SESSION_PACKAGE),
        question("claude-code", ETL, at(11, 15, 15, 35), LINEAGE),
    ]
