"""Recurring shapes of agent work, so that each task states only what is particular to it.

The shapes are the ones real logs are full of: run, fail, read, fix, and run the very same
command again; a transient failure retried unchanged; a guessed path that does not exist,
then a search for the real one; and the commit/push/pull-request tail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from demo_corpus.ids import vary
from demo_corpus.outputs import git_commit, git_no_upstream, git_pushed
from demo_corpus.steps import Ask, Find, Project, Read, Say, Shell, Step


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def pick(key: object, *options: str) -> str:
    """One of `options`, chosen by `key`: varied wording that stays the same from run to run."""
    return options[int(vary(0, len(options), key))]


@dataclass(frozen=True)
class Bug:
    """A failing test: what the runner says, what the agent reads, why it fails, the fix."""

    target: str
    message: str
    look: tuple[Step, ...]
    why: str
    fix: tuple[Step, ...]
    passed: int = 3
    thinking: str | None = None


def fix_loop(
    command: str,
    failure: str,
    why: str,
    fix: tuple[Step, ...] | list[Step],
    success: str,
    look: tuple[Step, ...] | list[Step] = (),
    exit_code: int = 1,
    purpose: str = "",
) -> list[Step]:
    """Run and fail, look, explain, fix, then run the same command again."""
    return [Shell(command, failure, exit_code, purpose), *look, Say(why), *fix, Shell(command, success, 0, purpose)]


def test_fix(p: Project, bug: Bug) -> list[Step]:
    intro = pick(
        bug.target,
        "I'll reproduce the failure first.",
        "Let me run the failing test to see the error.",
        "Running that test on its own first.",
    )
    command = p.stack.test.format(target=bug.target)
    failure = p.stack.failed(bug.target, bug.message, bug.passed)
    success = p.stack.passed(bug.target, bug.passed + 1)
    return [Say(intro, bug.thinking), *fix_loop(command, failure, bug.why, bug.fix, success, bug.look)]


def verify(p: Project) -> list[Step]:
    """The whole suite and the linter, after a fix."""
    return [
        Shell(p.stack.suite, p.stack.suite_ok, purpose="Run the whole test suite"),
        Shell(p.stack.lint, p.stack.lint_ok, purpose="Run the linter"),
    ]


def retried(command: str, failure: str, output: str, note: str, exit_code: int = 1, purpose: str = "") -> list[Step]:
    """A transient failure, then the same command unchanged."""
    return [Shell(command, failure, exit_code, purpose), Say(note), Shell(command, output, 0, purpose)]


def hunt(guess: str, pattern: str, found: Read) -> list[Step]:
    """A path read from memory that does not exist, a search by name, the real file."""
    return [Read(guess, missing=True), Find(pattern, (found.path,)), found]


def ship(p: Project, branch: str, message: str, files: list[str]) -> list[Step]:
    """Asked to ship: commit on a branch, push (at times first without an upstream), open a PR."""
    number = int(vary(40, 900, p.name, branch))
    url = f"https://github.com/{p.repo}/pull/{number}"
    commit = f'git checkout -b {branch} && git add {" ".join(files)} && git commit -m "{message}"'
    pushes: list[Step] = []
    if vary(0, 1, "push", branch) < 0.5:  # the agent forgets the upstream about half the time
        pushes.append(Shell("git push", git_no_upstream(branch), 128, "Push the branch"))
    pushes.append(
        Shell(f"git push -u origin {branch}", git_pushed(p.repo, branch), purpose="Push and track the branch")
    )
    return [
        Ask(pick(branch, "Looks good. Commit it and open a PR.", "Ship it: branch, commit, PR.", "Open a PR please.")),
        Shell("git status --short", "\n".join(f" M {f}" for f in files), purpose="Show changed files"),
        Shell(commit, f"Switched to a new branch '{branch}'\n{git_commit(branch, message, len(files))}"),
        *pushes,
        Shell("gh pr create --fill --base main", url, purpose="Open a pull request"),
        Say(f"Opened {url} from `{branch}` with the commit “{message}”."),
    ]
