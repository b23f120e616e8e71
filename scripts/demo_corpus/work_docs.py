"""Sessions on the documentation site (docs-site, MkDocs): links, a quickstart, API reference, changelog, runbook."""

from __future__ import annotations

from demo_corpus.outputs import DOCS
from demo_corpus.recipes import at, fix_loop, ship
from demo_corpus.steps import Ask, Edit, Fetch, Find, Plan, Project, Read, Say, Search, Session, Shell, Write

SITE = Project("docs-site", DOCS, "acme/docs-site")
BUILD = "mkdocs build --strict"


def broken_links() -> Session:
    warnings = """WARNING -  Doc file 'guides/webhooks.md' contains a link 'api/events.md', but the target \
'guides/api/events.md' is not found among documentation files.
WARNING -  Doc file 'guides/deploy.md' contains a link '../reference/cli.md#acme-deploy', but the doc \
'reference/cli.md' does not contain an anchor '#acme-deploy'.
WARNING -  Doc file 'index.md' contains a link 'quickstart.md', but the target 'quickstart.md' is not found among \
documentation files.

Aborted with 3 warnings in strict mode!"""
    steps = [
        *fix_loop(
            BUILD,
            warnings,
            "Three broken links: a relative path missing `../`, an anchor renamed when the CLI reference was "
            "regenerated (`#acme-deploy` is now `#deploy`), and a link to a quickstart page that doesn't exist yet.",
            [
                Edit("docs/guides/webhooks.md", "(api/events.md)", "(../api/events.md)", 41),
                Edit("docs/guides/deploy.md", "(../reference/cli.md#acme-deploy)", "(../reference/cli.md#deploy)", 12),
                Edit(
                    "docs/index.md",
                    "See the [quickstart guide](quickstart.md)",
                    "See the [getting started guide](getting-started.md)",
                    9,
                    stale=True,
                ),
                Read("docs/index.md", "New here? Start with the [Quickstart](quickstart.md), then read the guides.", 9),
                Edit("docs/index.md", "[Quickstart](quickstart.md)", "[Getting started](getting-started.md)", 9),
            ],
            DOCS.suite_ok,
            purpose="Build the docs in strict mode",
        ),
        Say(
            "The strict build passes: fixed a relative link, a renamed anchor, and pointed the home page at the "
            "existing getting-started page."
        ),
    ]
    return Session("gemini-cli", SITE, at(10, 16, 14, 0), "The docs build fails in strict mode. Fix the links.", steps)


def quickstart() -> Session:
    helptext = """Usage: acme [OPTIONS] COMMAND [ARGS]...

Commands:
  login     Authenticate with Acme Cloud.
  init      Create acme.toml for the current project.
  deploy    Build and deploy the current project.
  logs      Stream logs of a deployment.
  domains   Manage custom domains."""
    page = """# Quickstart

Deploy your first app in five minutes.

1. Install the CLI: `pipx install acme-cli`
2. Log in: `acme login`
3. In your project folder, run `acme init` and answer the prompts.
4. Deploy: `acme deploy`. The URL is printed when the build finishes.
5. Follow the logs: `acme logs --follow`.
"""
    steps = [
        Shell("acme --help", helptext, purpose="See the CLI's commands"),
        Find("docs/**/getting-started*.md", ("docs/getting-started.md",)),
        Read(
            "docs/getting-started.md",
            "# Getting started\n"
            "\n"
            "This guide explains accounts, projects, regions and billing before your first deploy.",
            1,
        ),
        Write("docs/quickstart.md", page),
        Edit(
            "mkdocs.yml",
            "  - Getting started: getting-started.md",
            "  - Quickstart: quickstart.md\n  - Getting started: getting-started.md",
            14,
        ),
        Shell(BUILD, DOCS.suite_ok),
        Say(
            "Added `docs/quickstart.md` (install, login, init, deploy, logs) as the first page in the nav; the "
            "strict build passes."
        ),
    ]
    prompt = "Write a short quickstart page for the CLI: install to first deploy, 5 steps max."
    return Session("gemini-cli", SITE, at(10, 23, 10, 40), prompt, steps)


def api_reference() -> Session:
    page = """# Invoices API (v2)

| method | path | what it does |
|---|---|---|
| GET | /v2/invoices | list invoices, newest first (`limit`, `cursor`) |
| GET | /v2/invoices/{id} | one invoice with its lines |
| GET | /v2/invoices/{id}/pdf | the invoice as a PDF |
| POST | /v2/invoices/{id}/void | void an open invoice |

Pagination is cursor-based: pass the `next_cursor` of a page as `cursor`.
"""
    steps = [
        Fetch("https://api.acmecloud.dev/v2/openapi.json", "List the invoice endpoints with their parameters", "", 404),
        Fetch(
            "https://api.acmecloud.dev/openapi/v2.json",
            "List the invoice endpoints with their parameters",
            "GET /v2/invoices (limit, cursor; returns next_cursor), GET /v2/invoices/{id}, GET /v2/invoices/{id}/pdf "
            "(application/pdf), POST /v2/invoices/{id}/void (only for status=open).",
        ),
        Write("docs/reference/invoices-v2.md", page),
        Search("reference/invoices", ("mkdocs.yml:31:      - Invoices (v1): reference/invoices.md",)),
        Edit(
            "mkdocs.yml",
            "      - Invoices (v1): reference/invoices.md",
            "      - Invoices (v2): reference/invoices-v2.md\n      - Invoices (v1): reference/invoices.md",
            31,
        ),
        Shell(BUILD, DOCS.suite_ok),
        Say(
            "Added the v2 invoices reference from the published OpenAPI document (the spec lives at "
            "/openapi/v2.json, not /v2/openapi.json)."
        ),
    ]
    prompt = "Document the new v2 invoices endpoints in the API reference."
    return Session("gemini-cli", SITE, at(11, 6, 11, 10), prompt, steps)


def changelog() -> Session:
    log = """e41c2a7 Add PDF download for invoices
9b0d1f3 Fix JPY rounding in currency conversion
77ac0e2 Apply discount codes once per invoice
3f9e8b1 Quote Python versions in CI matrix"""
    entry = """## 3.5.0 (2026-11-14)

- Invoices can be downloaded as PDF (`GET /invoices/{id}/pdf`).
- Currency conversion rounds to each currency's minor unit (JPY, KRW: none; BHD, KWD, OMR: three).
- A discount code is applied at most once per invoice, so retried checkouts no longer recieve it twice.
"""
    steps = [
        Shell("git -C ../invoice-service log --oneline v3.4.0..HEAD", log, purpose="Changes since 3.4.0"),
        Edit("docs/changelog.md", "# Changelog\n", "# Changelog\n\n" + entry, 1),
        *fix_loop(
            "codespell docs/",
            "docs/changelog.md:7: recieve ==> receive",
            "One typo.",
            [Edit("docs/changelog.md", "no longer recieve it twice", "no longer receive it twice", 7)],
            "",
            exit_code=65,
            purpose="Spell-check the docs",
        ),
        Say("Changelog entry for 3.5.0 written from the three user-facing commits (the CI change is internal)."),
    ]
    prompt = "Write the changelog entry for invoice-service 3.5.0."
    return Session("gemini-cli", SITE, at(11, 14, 9, 30), prompt, steps)


def move_guides() -> Session:
    moved = ("webhooks.md", "deploy.md", "domains.md")
    warnings = """WARNING -  Doc file 'index.md' contains a link 'webhooks.md', but the target is not found among \
documentation files.
WARNING -  Doc file 'reference/cli.md' contains a link '../domains.md', but the target 'domains.md' is not found \
among documentation files.

Aborted with 2 warnings in strict mode!"""
    steps = [
        Plan(("Move guide pages under docs/guides/", "Update the nav", "Fix links", "Add redirects for old URLs")),
        Shell("mkdir -p docs/guides && git mv " + " ".join(f"docs/{m}" for m in moved) + " docs/guides/", ""),
        Edit(
            "mkdocs.yml",
            "  - Webhooks: webhooks.md\n  - Deploying: deploy.md\n  - Custom domains: domains.md",
            "  - Guides:\n"
            "      - Webhooks: guides/webhooks.md\n"
            "      - Deploying: guides/deploy.md\n"
            "      - Custom domains: guides/domains.md",
            18,
        ),
        Plan(("Move guide pages under docs/guides/", "Update the nav", "Fix links", "Add redirects for old URLs"), 2),
        *fix_loop(
            BUILD,
            warnings,
            "Two pages still link to the old locations.",
            [
                Search(
                    "\\((\\.\\./)?(webhooks|deploy|domains)\\.md",
                    (
                        "docs/index.md:12:- [Receive webhooks](webhooks.md)",
                        "docs/reference/cli.md:88:See [custom domains](../domains.md).",
                    ),
                ),
                Edit("docs/index.md", "(webhooks.md)", "(guides/webhooks.md)", 12),
                Edit("docs/reference/cli.md", "(../domains.md)", "(../guides/domains.md)", 88),
            ],
            DOCS.suite_ok,
        ),
        Fetch(
            "https://github.com/mkdocs/mkdocs-redirects#usage",
            "How do I configure redirect_maps?",
            "Add the plugin and a map from old page to new page:\n"
            "\n"
            "plugins:\n"
            "  - redirects:\n"
            "      redirect_maps:\n"
            "        'old.md': 'new.md'",
        ),
        Edit(
            "mkdocs.yml",
            "plugins:\n  - search",
            "plugins:\n  - search\n  - redirects:\n      redirect_maps:\n"
            + "".join(f"        '{m}': 'guides/{m}'\n" for m in moved).rstrip("\n"),
            40,
        ),
        Shell(BUILD, DOCS.suite_ok),
        Say(
            "The three guides live under `docs/guides/`, links are updated, and the old URLs redirect to the new pages."
        ),
        *ship(
            SITE,
            "docs/guides-section",
            "Move guides under docs/guides with redirects",
            ["mkdocs.yml", "docs/index.md", "docs/reference/cli.md"],
        ),
    ]
    prompt = "Move the webhooks, deploy and domains pages into a Guides section. Old links must keep working."
    return Session("claude-code", SITE, at(10, 26, 15, 0), prompt, steps)


def incident_runbook() -> Session:
    timeline = """14:02 elevated 503s on edge proxies, eu-central-1
14:09 on-call paged (APIHighErrorRate)
14:21 cause: edge proxies' upstream keepalive pool exhausted after config push
14:35 rollback of edge config; 503s back to baseline at 14:41"""
    runbook = """# Runbook: 503s from the edge proxies

**Symptom:** a spike of 503 responses in one region; `APIHighErrorRate` pages.

1. Check recent edge config pushes: `ansible-playbook playbooks/edge.yml --list-tasks` and the deploy log.
2. Look for `no live upstreams` or `upstream timed out` in `/var/log/nginx/error.log` on the edge nodes.
3. If a config push is the cause, roll it back: `git revert` the change and rerun the edge playbook.
4. Post in #status and update status.acmecloud.dev within 15 minutes of the page.
"""
    steps = [
        Read("incidents/2026-11-09-inc-771.md", timeline, 5),
        Read("docs/runbooks/edge-503.md", missing=True),
        Find("docs/runbooks/*.md", ("docs/runbooks/index.md", "docs/runbooks/database-failover.md")),
        Read(
            "docs/runbooks/database-failover.md",
            "# Runbook: database failover\n"
            "\n"
            "**Symptom:** write errors from every service at once.\n"
            "\n"
            "1. Confirm the primary is down: `patronictl list`.",
            1,
        ),
        Write("docs/runbooks/edge-503.md", runbook),
        Edit(
            "docs/runbooks/index.md",
            "- [Database failover](database-failover.md)",
            "- [Database failover](database-failover.md)\n- [503s from the edge proxies](edge-503.md)",
            5,
        ),
        Shell(BUILD, DOCS.suite_ok),
        Say(
            "Wrote `docs/runbooks/edge-503.md` from the inc-771 timeline, in the same shape as the database failover "
            "runbook, and linked it from the index."
        ),
        Ask("Add how to tell a config problem from a capacity problem."),
        Edit(
            "docs/runbooks/edge-503.md",
            "3. If a config push",
            "   A config problem starts right after a push and hits every node at once; a capacity problem grows "
            "with traffic and shows high `active` connections in `stub_status` first.\n"
            "3. If a config push",
            9,
        ),
        Shell(BUILD, DOCS.suite_ok),
        Say("Added the config-versus-capacity check as part of step 2."),
    ]
    prompt = "Write a runbook for last week's edge 503 incident so on-call knows what to do next time."
    return Session("claude-code", SITE, at(11, 16, 10, 0), prompt, steps)


def sessions() -> list[Session]:
    return [broken_links(), quickstart(), api_reference(), changelog(), move_guides(), incident_runbook()]
