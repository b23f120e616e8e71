"""What test runners, linters and git print, built from a few facts so that task specs stay short."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from demo_corpus.ids import hexid, vary


def secs(*parts: object) -> str:
    return f"{vary(0.08, 2.4, *parts):.2f}"


def numbered(text: str, start: int = 1) -> str:
    """Lines as `cat -n` shows them (Claude Code's Read, `nl -ba`)."""
    return "\n".join(f"{n:>6}\t{line}" for n, line in enumerate(text.split("\n"), start))


def _error_line(message: str) -> str:
    """The line a runner's summary repeats: pytest's first `E` line, else the first line."""
    lines = message.strip().splitlines() or [""]
    marked = [line[1:].strip() for line in lines if line.startswith("E ")]
    return marked[0] if marked else lines[0].strip()


def _pytest_failed(target: str, message: str, passed: int) -> str:
    name = target.rpartition("::")[2] or target
    return (
        f"{'.' * passed}F\n{'=' * 35} FAILURES {'=' * 35}\n{'_' * 25} {name} {'_' * 25}\n\n{message}\n"
        f"{'=' * 28} short test summary info {'=' * 28}\nFAILED {target} - {_error_line(message)}\n"
        f"1 failed, {passed} passed in {secs(target, message)}s"
    )


def _pytest_passed(target: str, count: int) -> str:
    return f"{'.' * count}{' ' * max(1, 60 - count)}[100%]\n{count} passed in {secs(target, count)}s"


def _vitest_failed(target: str, message: str, passed: int) -> str:
    file = target.split(" > ")[0]
    return (
        f" FAIL  {target}\n{message}\n\n Test Files  1 failed (1)\n      Tests  1 failed | {passed} passed "
        f"({passed + 1})\n   Start at  10:{passed:02d}:07\n   Duration  {secs(file, message)}s"
    )


def _vitest_passed(target: str, count: int) -> str:
    file = target.split(" > ")[0]
    return (
        f" ✓ {file} ({count} tests) {int(vary(12, 400, target))}ms\n\n Test Files  1 passed (1)\n"
        f"      Tests  {count} passed ({count})\n   Duration  {secs(target, count)}s"
    )


def _go_failed(target: str, message: str, passed: int) -> str:
    package, _, name = target.partition(" -run ")
    module = f"github.com/acme/auth-service/{package.strip('./')}"
    return f"--- FAIL: {name} (0.00s)\n    {message}\nFAIL\nFAIL\t{module}\t{secs(target)}s\nFAIL"


GO_PACKAGES = ("cmd/authd", "internal/httpapi", "internal/session", "internal/store", "internal/token")


def _go_passed(target: str, count: int) -> str:
    packages = GO_PACKAGES if "./..." in target else (target.partition(" -run ")[0].strip("./"),)
    return "\n".join(f"ok  \tgithub.com/acme/auth-service/{p}\t{secs(target, p)}s" for p in packages)


def _dbt_failed(target: str, message: str, passed: int) -> str:
    return (
        "09:12:31  Running with dbt=1.8.7\n09:12:33  Found 42 models, 118 data tests, 9 sources, 615 macros\n"
        f"09:12:34  1 of 1 START test {target} {'.' * 20} [RUN]\n09:12:35  1 of 1 FAIL {message}\n"
        f"09:12:35  Done. PASS={passed} WARN=0 ERROR=1 SKIP=0 TOTAL={passed + 1}"
    )


def _dbt_passed(target: str, count: int) -> str:
    return (
        f"09:20:02  Running with dbt=1.8.7\n09:20:04  Found 42 models, 118 data tests, 9 sources, 615 macros\n"
        f"09:20:05  1 of 1 START test {target} {'.' * 20} [RUN]\n"
        f"09:20:05  1 of 1 PASS {target} {'.' * 20} [PASS in {secs(target)}s]\n"
        f"09:20:05  Done. PASS={count} WARN=0 ERROR=0 SKIP=0 TOTAL={count}"
    )


def _printed(target: str, message: str, passed: int) -> str:
    return message


def _quiet(target: str, count: int) -> str:
    return ""


@dataclass(frozen=True)
class Stack:
    """How a project's tests, suite and linter are run and what they print."""

    test: str
    suite: str
    suite_ok: str
    lint: str
    lint_ok: str
    failed: Callable[[str, str, int], str] = _printed
    passed: Callable[[str, int], str] = _quiet


PYTHON = Stack(
    "pytest {target} -q",
    "pytest -q",
    _pytest_passed("suite", 48),
    "ruff check .",
    "All checks passed!",
    _pytest_failed,
    _pytest_passed,
)
TYPESCRIPT = Stack(
    "npx vitest run {target}",
    "npx vitest run",
    " Test Files  31 passed (31)\n      Tests  126 passed (126)\n   Duration  9.84s",
    "npm run lint",
    "> webapp@3.4.0 lint\n> eslint . --max-warnings 0\n",
    _vitest_failed,
    _vitest_passed,
)
GO = Stack("go test {target}", "go test ./...", _go_passed("./...", 0), "go vet ./...", "", _go_failed, _go_passed)
DBT = Stack(
    "dbt test --select {target}",
    "dbt build",
    "09:31:40  Finished running 42 table models, 118 data tests in 0 hours 1 minutes and 12.40 seconds (72.40s).\n"
    "09:31:40  Completed successfully\n09:31:40  Done. PASS=160 WARN=0 ERROR=0 SKIP=0 TOTAL=160",
    "sqlfluff lint models/",
    "All Finished! 0 violations.",
    _dbt_failed,
    _dbt_passed,
)
OPS = Stack("{target}", "terraform validate", "Success! The configuration is valid.", "tflint --recursive", "")
DOCS = Stack(
    "{target}",
    "mkdocs build --strict",
    "INFO    -  Cleaning site directory\n"
    "INFO    -  Building documentation to directory: /home/dev/projects/docs-site/site"
    "\nINFO    -  Documentation built in 2.31 seconds",
    "codespell docs/",
    "",
)


def git_commit(branch: str, message: str, files: int) -> str:
    return (
        f"[{branch} {hexid(7, branch, message)}] {message}\n {files} file{'s' if files > 1 else ''} changed, "
        f"{int(vary(3, 60, message))} insertions(+), {int(vary(1, 20, message))} deletions(-)"
    )


def git_no_upstream(branch: str) -> str:
    return (
        f"fatal: The current branch {branch} has no upstream branch.\nTo push the current branch and set the remote "
        f"as upstream, use\n\n    git push --set-upstream origin {branch}\n"
    )


def git_pushed(repo: str, branch: str) -> str:
    return (
        f"remote: \nremote: Create a pull request for '{branch}' on GitHub by visiting:\nremote:      "
        f"https://github.com/{repo}/pull/new/{branch}\nremote: \nTo github.com:{repo}.git\n * [new branch]      "
        f"{branch} -> {branch}\nbranch '{branch}' set up to track 'origin/{branch}'."
    )
