"""The demo corpus generator: agent work described once, then written in each tool's own log format.

`steps` is the format-neutral model (a session is a prompt and a list of steps); `outputs`,
`recipes` and `chores` build realistic steps and whole sessions from a few facts; the `work_*`
modules hold the projects and their tasks; one writer per format (`claude_code`, `codex_cli`,
`gemini_cli`, `swe_agent`, `openai_messages`) turns sessions into files.
`scripts/make_demo_corpus.py` runs it all.
"""
