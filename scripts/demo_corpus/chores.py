"""Templates for routine work that every project has: dependency upgrades, pull-request reviews, lint sweeps.

Each takes the facts of one instance (what broke, what was read, what changed) and returns the
whole session, steps in the order agents take them. The instances are in `work_chores`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime

from demo_corpus.ids import vary
from demo_corpus.recipes import ship, verify
from demo_corpus.steps import Delegate, Edit, Fetch, Plan, Project, Read, Say, Search, Session, Shell, Step


@dataclass(frozen=True)
class Upgrade:
    """A dependency bump that breaks something: where it is pinned, what the changelog says, the fallout."""

    package: str
    old: str
    new: str
    manifest: str
    pin: tuple[str, str]
    install: tuple[str, str]
    changelog: tuple[str, str]
    check: str
    failure: str
    look: tuple[Step, ...]
    why: str
    fix: tuple[Step, ...]
    success: str
    summary: str


def upgrade(fmt: str, p: Project, start: datetime, u: Upgrade, ships: bool = True) -> Session:
    todo = (f"Read the {u.package} {u.new} changelog", "Bump the pin", "Fix what breaks", "Run the checks")
    steps: list[Step] = [
        Plan(todo),
        Fetch(u.changelog[0], f"Breaking changes between {u.package} {u.old} and {u.new}?", u.changelog[1]),
        Edit(u.manifest, u.pin[0], u.pin[1]),
        Shell(u.install[0], u.install[1], purpose=f"Install {u.package} {u.new}"),
        Plan(todo, 2),
        Shell(u.check, u.failure, 1, "Check the project"),
        *u.look,
        Say(u.why),
        *u.fix,
        Shell(u.check, u.success, purpose="Check again"),
        Plan(todo, 3),
        *verify(p),
        Say(u.summary),
    ]
    if ships:
        branch = f"deps/{u.package.split('/')[-1]}-{u.new.split('.')[0]}"
        steps += ship(p, branch, f"Upgrade {u.package} to {u.new}", [u.manifest, *_edited(u.fix)])
    prompt = f"Upgrade {u.package} from {u.old} to {u.new} and fix whatever breaks."
    return Session(fmt, p, start, prompt, steps, branch="main")


def _edited(steps: tuple[Step, ...]) -> list[str]:
    return list(dict.fromkeys(s.path for s in steps if isinstance(s, Edit)))


@dataclass(frozen=True)
class Review:
    """A pull request to review: its description, diff summary, the code read, and the findings."""

    number: int
    title: str
    author: str
    body: str
    files: tuple[str, ...]
    reads: tuple[Step, ...]
    findings: str
    verdict: str  # approve, comment or request-changes
    explore: Delegate | None = None


def review(fmt: str, p: Project, start: datetime, r: Review) -> Session:
    view = (
        f"title:\t{r.title}\nstate:\tOPEN\nauthor:\t{r.author}\nlabels:\t\nreviewers:\tdev (Requested)\n"
        f"number:\t{r.number}\nadditions:\t{int(vary(20, 400, r.title))}\ndeletions:\t{int(vary(2, 80, r.title))}\n--\n"
        f"{r.body}"
    )
    checks = f"gh pr checkout {r.number} && {p.stack.suite}"
    steps: list[Step] = [
        Shell(f"gh pr view {r.number}", view, purpose="Show the pull request"),
        Shell(f"gh pr diff {r.number} --name-only", "\n".join(r.files), purpose="Files changed"),
        *r.reads,
        *([r.explore] if r.explore else []),
        Shell(checks, f"Switched to branch '{r.title.lower().replace(' ', '-')[:30]}'\n{p.stack.suite_ok}"),
        Say(r.findings),
        Shell(
            f"gh pr review {r.number} --{r.verdict} --body {shlex.quote(r.findings)}",
            f"✓ Reviewed pull request {p.repo}#{r.number}",
        ),
        Say(f"Posted the review on #{r.number} ({r.verdict.replace('-', ' ')})."),
    ]
    prompt = f"Review PR #{r.number} ({r.title})."
    return Session(fmt, p, start, prompt, steps)


@dataclass(frozen=True)
class Sweep:
    """A linter or type checker newly made strict: its report, and one edit per finding."""

    prompt: str
    command: str
    report: str
    why: str
    fixes: tuple[Edit, ...]
    clean: str
    summary: str


def sweep(fmt: str, p: Project, start: datetime, s: Sweep) -> Session:
    files = list(dict.fromkeys(f.path for f in s.fixes))
    steps: list[Step] = [
        Shell(s.command, s.report, 1, "Run the checker"),
        Say(s.why),
        *(Read(path, _excerpt(s.fixes, path), _first_line(s.fixes, path)) for path in files[:2]),
        *s.fixes,
        Shell(s.command, s.clean, purpose="Run the checker again"),
        *verify(p),
        Say(s.summary),
    ]
    return Session(fmt, p, start, s.prompt, steps)


def _excerpt(fixes: tuple[Edit, ...], path: str) -> str:
    return "\n".join(f.old for f in fixes if f.path == path)


def _first_line(fixes: tuple[Edit, ...], path: str) -> int:
    return min(f.line for f in fixes if f.path == path)


@dataclass(frozen=True)
class Question:
    """A quick question answered after a look or two: no change to the code."""

    prompt: str
    looks: tuple[Step, ...]
    answer: str
    thinking: str | None = None


def question(fmt: str, p: Project, start: datetime, q: Question) -> Session:
    return Session(fmt, p, start, q.prompt, [*q.looks, Say(q.answer, q.thinking)])


def search_then_read(pattern: str, hit: str, text: str) -> list[Step]:
    """Search for a name, then read the file of its first hit from that line on."""
    path, line, _ = hit.split(":", 2)
    return [Search(pattern, (hit,)), Read(path, text, int(line))]
