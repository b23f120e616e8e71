"""Write the demo corpus shipped in logviz_assets/demo_corpus (run it again after a change; the output is committed).

The corpus is what a new user with no logs of their own sees: about 2,100 steps of fictional
agent work over six weeks, in the shapes the real tools write (see docs/formats.md):

- Claude Code sessions (`claude-code/projects/<encoded cwd>/`), six of them with Explore
  subagents under `<session>/subagents/`;
- Codex CLI rollouts (`codex-cli/sessions/YYYY/MM/DD/rollout-*.jsonl`);
- Gemini CLI chats (`gemini-cli/tmp/<project hash>/chats/`);
- SWE-agent trajectories (`swe-agent/trajectories/…/*.traj`) on issues of small libraries;
- a support bot's conversations with tool calls, as OpenAI chat messages (`support-bot/`).

The projects are a billing API, a web crawler, a React web app, a dbt/Airflow warehouse, an
infrastructure repo, a Go auth service and a docs site; the work is bug fixes, features,
migrations, incidents, dependency upgrades, pull-request reviews, lint sweeps and quick
questions. Runs succeed and fail: failing tests and commands, missing files, stale edits,
HTTP errors, transient errors retried unchanged, the same test run again after the fix.

Everything is derived from names (no clock, no unseeded randomness), so running this again
writes the same bytes. The work is described once, format-neutrally, in `scripts/demo_corpus/`
and written out by one writer per format.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_corpus import (
    claude_code,
    codex_cli,
    gemini_cli,
    openai_messages,
    swe_agent,
    work_chores,
    work_data,
    work_docs,
    work_go,
    work_ops,
    work_python,
    work_questions,
    work_swe,
    work_web,
)

OUT = Path(__file__).resolve().parents[1] / "logviz_assets" / "demo_corpus"
WRITERS = {
    "claude-code": claude_code.write,
    "codex-cli": codex_cli.write,
    "gemini-cli": gemini_cli.write,
    "swe-agent": swe_agent.write,
}


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)  # files of tasks since removed must not linger
    work = (work_python, work_web, work_data, work_ops, work_go, work_docs, work_swe, work_chores, work_questions)
    sessions = [session for module in work for session in module.sessions()]
    for session in sessions:
        WRITERS[session.fmt](session, OUT)
    openai_messages.write(OUT)
    files = [p for p in OUT.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(
        f"wrote {len(sessions)} sessions and the support bot: {len(files)} files, {size / 1e6:.2f} MB under {OUT.name}/"
    )


if __name__ == "__main__":
    main()
