"""Sessions on a data warehouse (etl-warehouse: dbt models, Airflow DAGs, Postgres, pandas backfills)."""

from __future__ import annotations

from demo_corpus.outputs import DBT
from demo_corpus.recipes import Bug, at, fix_loop, ship, test_fix
from demo_corpus.steps import Ask, Edit, Fetch, Find, Plan, Project, Read, Say, Search, Session, Shell, Write

ETL = Project("etl-warehouse", DBT, "acme/etl-warehouse")

STG_ORDERS = """select
    order_id,
    customer_id,
    status,
    amount_cents / 100.0 as amount,
    _loaded_at
from {{ source('shop', 'orders') }}"""


def duplicate_orders() -> Session:
    duplicates = """| order_id | n | first_loaded        | last_loaded         |
| -------- | - | ------------------- | ------------------- |
| 7730412  | 2 | 2026-10-29 02:00:13 | 2026-10-29 03:00:09 |
| 7730455  | 2 | 2026-10-29 02:00:13 | 2026-10-29 03:00:09 |
| 7730561  | 3 | 2026-10-29 01:00:11 | 2026-10-29 03:00:09 |"""
    bug = Bug(
        "unique_orders_order_id",
        "37 unique_orders_order_id .................... [FAIL 37 in 0.41s]\n"
        "09:12:35  Failure in test unique_orders_order_id (models/marts/schema.yml)\n"
        "09:12:35    Got 37 results, configured to fail if != 0",
        (
            Shell(
                'dbt show --inline "select order_id, count(*) as n, min(_loaded_at) as first_loaded, '
                "max(_loaded_at) as last_loaded from {{ ref('stg_orders') }} group by 1 having count(*) > 1\" "
                "--limit 3",
                duplicates,
                purpose="Look at the duplicated orders",
            ),
            Read("models/staging/stg_orders.sql", STG_ORDERS),
        ),
        "The CDC export re-sends an order every time its status changes, and `stg_orders` keeps every version. "
        "Keeping only the latest row per `order_id` (by `_loaded_at`) fixes the test and the revenue double count.",
        (
            Edit(
                "models/staging/stg_orders.sql",
                "from {{ source('shop', 'orders') }}",
                "from {{ source('shop', 'orders') }}\n"
                "qualify row_number() over (partition by order_id order by _loaded_at desc) = 1",
                7,
            ),
        ),
        passed=0,
        thinking="Duplicates that differ only in _loaded_at are re-deliveries, not distinct orders.",
    )
    steps = [
        *test_fix(ETL, bug),
        Shell("dbt build --select +orders", DBT.suite_ok.replace("160", "23"), purpose="Rebuild orders and parents"),
        Say(
            "`stg_orders` now keeps the latest version of each order; the unique test passes and revenue for 29 "
            "October drops by the 37 double-counted orders."
        ),
        *ship(
            ETL, "fix/dedupe-stg-orders", "Keep the latest CDC version of each order", ["models/staging/stg_orders.sql"]
        ),
    ]
    prompt = "The nightly dbt build fails on unique_orders_order_id and the revenue dashboard looks too high. Why?"
    return Session("claude-code", ETL, at(10, 29, 9, 5), prompt, steps)


def fx_rates_429() -> Session:
    dag = """load_fx_rates = PythonOperator(
    task_id="load_fx_rates",
    python_callable=fx.load_rates,
    op_kwargs={"day": "{{ ds }}", "symbols": CURRENCIES},
)"""
    failed = """[2026-11-03, 06:00:12 UTC] {fx.py:41} INFO - Fetching 31 rates for 2026-11-03
[2026-11-03, 06:00:14 UTC] {taskinstance.py:2905} ERROR - Task failed with exception
requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: \
https://api.fxfeed.example/v1/rates?day=2026-11-03&symbol=SEK
[2026-11-03, 06:00:14 UTC] {taskinstance.py:1206} INFO - Marking task as FAILED."""
    ok = """[2026-11-03, 09:41:02 UTC] {fx.py:41} INFO - Fetching 31 rates for 2026-11-03
[2026-11-03, 09:41:03 UTC] {fx.py:58} INFO - Loaded 31 rates for 2026-11-03 in 1 request
[2026-11-03, 09:41:03 UTC] {taskinstance.py:1206} INFO - Marking task as SUCCESS."""
    steps = [
        *fix_loop(
            "airflow tasks test daily_revenue load_fx_rates 2026-11-03",
            failed,
            "The task makes one request per currency (31 per run) and the provider allows 10 per minute. Its API "
            "takes a comma-separated `symbols` list, so one request is enough; I'll also let Airflow retry with "
            "backoff for the odd 429.",
            [
                Edit(
                    "etl/fx.py",
                    "    for symbol in symbols:\n        rates[symbol] = get(day=day, symbol=symbol)",
                    '    rates = get(day=day, symbols=",".join(symbols))',
                    47,
                ),
                Edit(
                    "dags/daily_revenue.py",
                    '    op_kwargs={"day": "{{ ds }}", "symbols": CURRENCIES},\n)',
                    '    op_kwargs={"day": "{{ ds }}", "symbols": CURRENCIES},\n'
                    "    retries=3,\n"
                    "    retry_exponential_backoff=True,\n"
                    ")",
                    30,
                ),
            ],
            ok,
            look=[
                Read("dags/daily_revenue.py", dag, 27),
                Read(
                    "etl/fx.py",
                    "def load_rates(day: str, symbols: list[str]) -> None:\n"
                    "    rates = {}\n"
                    "    for symbol in symbols:\n"
                    "        rates[symbol] = get(day=day, symbol=symbol)",
                    44,
                ),
                Fetch(
                    "https://api.fxfeed.example/docs/limits",
                    "What are the rate limits and can one request return several symbols?",
                    "Free and Team plans: 10 requests per minute, 1,000 per day. `GET /v1/rates` accepts `symbols` "
                    "(comma-separated, up to 50). A 429 carries Retry-After in seconds.",
                ),
            ],
            purpose="Run the task for one day",
        ),
        Say(
            "`load_fx_rates` now fetches all 31 currencies in one request and retries with exponential backoff; "
            "the test run for 2026-11-03 succeeds."
        ),
        Ask("Backfill the three days it failed."),
        Shell(
            "airflow dags backfill daily_revenue -s 2026-11-01 -e 2026-11-03 --reset-dagruns -y",
            "[2026-11-03 09:44:51] INFO - Backfill done for DAG <DAG: daily_revenue>. Exiting.",
            purpose="Backfill",
        ),
        Say("Backfilled 1–3 November; the revenue tables have their FX-converted totals again."),
    ]
    prompt = "daily_revenue has failed three days in a row on load_fx_rates. Can you look?"
    return Session("claude-code", ETL, at(11, 3, 9, 35), prompt, steps, branch="fix/fx-rate-limit")


def payments_schema_drift() -> Session:
    failure = """09:52:10  1 of 1 START sql view model staging.stg_payments ........ [RUN]
09:52:11  1 of 1 ERROR creating sql view model staging.stg_payments ... [ERROR in 0.38s]
09:52:11  Runtime Error in model stg_payments (models/staging/stg_payments.sql)
  Conversion Error: Could not convert string '12,50' to DECIMAL(18,2)"""
    sample = """| amount   | currency | source_system |
| -------- | -------- | ------------- |
| 12,50    | EUR      | pos-berlin    |
| 1.204,00 | EUR      | pos-berlin    |
| 7,99     | EUR      | pos-hamburg   |"""
    steps = [
        *fix_loop(
            "dbt run --select stg_payments",
            failure,
            "Since the POS migration, German stores send `amount` as text with a decimal comma and dot "
            "thousands separators. I'll normalise those rows before the cast, only for values with a comma.",
            [
                Edit(
                    "models/staging/stg_payments.sql",
                    "    cast(amount as decimal(18, 2)) as amount,",
                    "    cast(case when amount like '%,%' then replace(replace(amount, '.', ''), ',', '.') else "
                    "amount end\n"
                    "         as decimal(18, 2)) as amount,",
                    6,
                )
            ],
            "09:58:40  1 of 1 OK created sql view model staging.stg_payments ........ [OK in 0.41s]",
            look=[
                Shell(
                    "dbt show --inline \"select amount, currency, source_system from {{ source('pos', 'payments') }} "
                    "where not regexp_matches(amount, '^-?[0-9]+(\\.[0-9]+)?$')\" --limit 3",
                    sample,
                    purpose="Find amounts that are not plain decimals",
                ),
                Read(
                    "models/staging/stg_payments.sql",
                    "select\n"
                    "    payment_id,\n"
                    "    order_id,\n"
                    "    cast(amount as decimal(18, 2)) as amount,\n"
                    "    currency",
                    3,
                ),
            ],
            purpose="Build stg_payments",
        ),
        Write(
            "tests/assert_payment_amounts_parse.sql",
            "select payment_id from {{ ref('stg_payments') }} where amount is null\n",
        ),
        Shell("dbt test --select stg_payments", DBT.passed("stg_payments", 4)),
        Say(
            "Comma-decimal amounts from the Berlin and Hamburg POS systems now parse; I added a test that fails if "
            "any amount ends up NULL."
        ),
        *ship(
            ETL,
            "fix/pos-decimal-comma",
            "Parse decimal-comma amounts in stg_payments",
            ["models/staging/stg_payments.sql", "tests/assert_payment_amounts_parse.sql"],
        ),
    ]
    prompt = "stg_payments stopped building this morning with a conversion error. Upstream changed something?"
    return Session("claude-code", ETL, at(10, 17, 9, 48), prompt, steps)


def slow_events_query() -> Session:
    explain_slow = """Gather  (cost=1000.00..1893310.44 rows=5120 width=96) (actual time=8377.102..8411.873 rows=4981 \
loops=1)
  Workers Planned: 2
  ->  Parallel Seq Scan on events  (cost=0.00..1891798.44 rows=2133 width=96) (actual time=8301.551..8391.014 \
rows=1660 loops=3)
        Filter: ((account_id = 42) AND (created_at > (now() - '7 days'::interval)))
        Rows Removed by Filter: 30411207
Execution Time: 8412.337 ms"""
    explain_fast = """Index Scan using events_account_created_idx on events  (cost=0.57..5120.33 rows=5120 width=96) \
(actual time=0.041..2.880 rows=4981 loops=1)
  Index Cond: ((account_id = 42) AND (created_at > (now() - '7 days'::interval)))
Execution Time: 3.104 ms"""
    explain = (
        'psql "$WAREHOUSE_URL" -c "EXPLAIN ANALYZE SELECT * FROM events WHERE account_id = 42 AND created_at > now() '
        "- interval '7 days'\""
    )
    migration = (
        "BEGIN;\nCREATE INDEX CONCURRENTLY events_account_created_idx ON events (account_id, created_at);\nCOMMIT;\n"
    )
    steps = [
        Shell(explain, explain_slow, purpose="Explain the slow query"),
        Say(
            "A parallel sequential scan over 91 M rows; there is no index on `(account_id, created_at)`. "
            "I'll add one concurrently so writes aren't blocked."
        ),
        Write("migrations/2026_11_05_events_account_created_idx.sql", migration),
        *fix_loop(
            'psql "$WAREHOUSE_URL" -f migrations/2026_11_05_events_account_created_idx.sql',
            "BEGIN\n"
            "psql:migrations/2026_11_05_events_account_created_idx.sql:2: ERROR:  CREATE INDEX CONCURRENTLY cannot "
            "run inside a transaction block\n"
            "ROLLBACK",
            "CONCURRENTLY cannot run in a transaction; removing the BEGIN/COMMIT wrapper.",
            [
                Write(
                    "migrations/2026_11_05_events_account_created_idx.sql",
                    "CREATE INDEX CONCURRENTLY events_account_created_idx ON events (account_id, created_at);\n",
                )
            ],
            "CREATE INDEX",
            exit_code=3,
            purpose="Create the index",
        ),
        Shell(explain, explain_fast, purpose="Explain again"),
        Say(
            "The account activity query went from 8.4 s to 3 ms with a composite index on `(account_id, "
            "created_at)`, built concurrently."
        ),
    ]
    prompt = "The account activity page times out; the events query takes >8s. Make it fast."
    return Session("claude-code", ETL, at(11, 5, 14, 0), prompt, steps)


def customer_backfill() -> Session:
    run = "python scripts/backfill_customers.py --since 2026-01-01"
    key_error = """Traceback (most recent call last):
  File "/home/dev/projects/etl-warehouse/scripts/backfill_customers.py", line 38, in <module>
    frame = frame.set_index("customer_id")
KeyError: "None of ['customer_id'] are in the columns\""""
    missing = """Loaded customers_2026-01.csv (1,912 rows)
Traceback (most recent call last):
  File "/home/dev/projects/etl-warehouse/scripts/backfill_customers.py", line 31, in <module>
    frame = pd.read_csv(EXPORTS / f"customers_{month}.csv")
FileNotFoundError: [Errno 2] No such file or directory: 'data/exports/customers_2026-02.csv'"""
    steps = [
        Shell(run, key_error, 1, "Run the backfill"),
        Shell(
            "head -3 data/exports/customers_2026-01.csv",
            "cust_id,email,country,created\n"
            "880121,j.moreau@example.fr,FR,2026-01-02\n"
            "880122,p.okoro@example.ng,NG,2026-01-02",
        ),
        Say("The CRM export renamed `customer_id` to `cust_id`. I'll map it on read."),
        Edit(
            "scripts/backfill_customers.py",
            '    frame = pd.read_csv(EXPORTS / f"customers_{month}.csv")',
            '    frame = pd.read_csv(EXPORTS / f"customers_{month}.csv").rename(columns={"cust_id": "customer_id"})',
            31,
        ),
        Shell(run, missing, 1, "Run the backfill"),
        Find(
            "data/exports/customers_2026-*.csv",
            tuple(f"data/exports/customers_2026-{m:02d}.csv" for m in (1, *range(3, 11))),
        ),
        Say(
            "February's export is missing from `data/exports/` (January and March to October are there). Should I "
            "skip missing months, or stop?"
        ),
        Ask("Skip missing months but log them."),
        Edit(
            "scripts/backfill_customers.py",
            "    frame = pd.read_csv(",
            '    path = EXPORTS / f"customers_{month}.csv"\n'
            "    if not path.exists():\n"
            '        log.warning("missing export %s", path.name)\n'
            "        continue\n"
            "    frame = pd.read_csv(",
            31,
        ),
        Shell(
            run, "WARNING missing export customers_2026-02.csv\nBackfilled 18,204 customers from 9 files (1 missing)"
        ),
        Say("Backfill done: 18,204 customers from 9 monthly exports; February is missing at the source and logged."),
    ]
    prompt = "Run the customer backfill from January; it crashed when Priya tried."
    return Session("claude-code", ETL, at(11, 11, 10, 20), prompt, steps)


def primary_key_tests() -> Session:
    schema = """models:
  - name: dim_customers
    columns:
      - name: customer_id
  - name: fct_orders
    columns:
      - name: order_id"""
    nulls = """| customer_id | email              | source  |
| ----------- | ------------------ | ------- |
|             | guest-7741@mail.io | checkout |
|             | guest-7802@mail.io | checkout |
|             | guest-7815@mail.io | checkout |"""
    tests = "        tests: [unique, not_null]"
    steps = [
        Plan(("Find the mart models' keys", "Add unique + not_null tests", "Run them and fix failures")),
        Search(
            "- name: (customer_id|order_id|product_id)",
            (
                "models/marts/schema.yml:4:      - name: customer_id",
                "models/marts/schema.yml:7:      - name: order_id",
                "models/marts/products.yml:5:      - name: product_id",
            ),
        ),
        Read("models/marts/schema.yml", schema),
        Edit("models/marts/schema.yml", "      - name: customer_id", "      - name: customer_id\n" + tests, 4),
        Edit("models/marts/schema.yml", "      - name: order_id", "      - name: order_id\n" + tests, 7),
        Edit("models/marts/products.yml", "      - name: product_id", "      - name: product_id\n" + tests, 5),
        Plan(("Find the mart models' keys", "Add unique + not_null tests", "Run them and fix failures"), 2),
        *fix_loop(
            "dbt test --select marts",
            DBT.failed(
                "not_null_dim_customers_customer_id", "3 not_null_dim_customers_customer_id ...... [FAIL 3 in 0.22s]", 5
            ),
            "Guest checkouts have no customer id and leak into `dim_customers`. They belong in orders, not in the "
            "customer dimension, so I'll filter them out there.",
            [
                Edit(
                    "models/marts/dim_customers.sql",
                    "from {{ ref('stg_customers') }}",
                    "from {{ ref('stg_customers') }}\nwhere customer_id is not null",
                    9,
                )
            ],
            DBT.passed("marts", 6),
            look=[
                Shell(
                    "dbt show --select dim_customers --inline \"select * from {{ ref('dim_customers') }} where "
                    'customer_id is null" --limit 3',
                    nulls,
                )
            ],
        ),
        Say(
            "Every mart primary key now has `unique` and `not_null` tests. They caught 3 guest checkouts in "
            "`dim_customers`, which now excludes rows without a customer id."
        ),
    ]
    prompt = "Add unique and not_null tests on the primary key of every model in models/marts and make them pass."
    return Session("codex-cli", ETL, at(10, 22, 13, 30), prompt, steps)


def incremental_full_refresh() -> Session:
    steps = [
        Say("I'll check how the model is configured and how the DAG runs it."),
        Read(
            "models/events/events.sql",
            "{{ config(materialized='incremental', unique_key='event_id') }}\n"
            "\n"
            "select * from {{ source('app', 'events') }}\n"
            "{% if is_incremental() %}\n"
            "where loaded_at > (select max(loaded_at) from {{ this }})\n"
            "{% endif %}",
        ),
        Search(
            "full-refresh",
            ('dags/dbt_hourly.py:22:    bash_command="dbt run --select events --full-refresh",',),
            "dags",
        ),
        Say(
            "The model's incremental filter is fine; the hourly DAG passes `--full-refresh`, which rebuilds the "
            "table from scratch every hour (91 M rows)."
        ),
        Edit(
            "dags/dbt_hourly.py",
            'bash_command="dbt run --select events --full-refresh",',
            'bash_command="dbt run --select events",',
            22,
        ),
        Shell(
            "dbt run --select events",
            "10:02:13  1 of 1 START sql incremental model analytics.events .... [RUN]\n"
            "10:02:19  1 of 1 OK created sql incremental model analytics.events ... [INSERT 48211 in 6.21s]",
        ),
        Say(
            "Removed `--full-refresh` from the hourly DAG: an hourly run now inserts ~48k new rows in 6 s instead of "
            "rebuilding 91 M rows in 23 minutes."
        ),
    ]
    prompt = (
        "The events model is incremental but every hourly run takes 20+ minutes. Why is it reprocessing everything?"
    )
    return Session("codex-cli", ETL, at(11, 13, 10, 0), prompt, steps)


def sessions() -> list[Session]:
    return [
        duplicate_orders(),
        fx_rates_429(),
        payments_schema_drift(),
        slow_events_query(),
        customer_backfill(),
        primary_key_tests(),
        incremental_full_refresh(),
    ]
