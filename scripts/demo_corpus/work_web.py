"""Claude Code sessions on a React + TypeScript front end (webapp): UI bugs, lint, build, flaky e2e tests."""

from __future__ import annotations

from demo_corpus.outputs import TYPESCRIPT
from demo_corpus.recipes import Bug, at, fix_loop, hunt, ship, test_fix, verify
from demo_corpus.steps import Ask, Delegate, Edit, Fetch, Find, Plan, Project, Read, Say, Search, Session, Shell, Write

WEBAPP = Project("webapp", TYPESCRIPT, "acme/webapp")

BUILT = """added 812 packages in 21s
> webapp@3.4.0 build
> tsc -b && vite build
✓ 214 modules transformed.
dist/index.html  0.46 kB
dist/assets/index-4f2a.js  187.30 kB │ gzip: 61.02 kB
✓ built in 3.12s"""


def node_22() -> Session:
    engine = """npm error code EBADENGINE
npm error engine Unsupported engine
npm error notsup Required: {"node":">=18 <21"}
npm error notsup Actual:   {"npm":"10.9.0","node":"v22.11.0"}"""
    steps = [
        *hunt(".nvmrc", "**/{.nvmrc,.node-version}", Read(".node-version", "20.11.1")),
        Write(".node-version", "22.11.0\n"),
        *fix_loop(
            "npm ci && npm run build",
            engine,
            "The build refuses Node 22 because `package.json` pins `engines.node` to `>=18 <21`. "
            "I'll widen it to `>=18 <23`.",
            [Edit("package.json", '"node": ">=18 <21"', '"node": ">=18 <23"', 7)],
            BUILT,
            purpose="Install and build",
        ),
        Say("Node is now 22.11.0 (`.node-version`), `engines.node` allows it, and `npm run build` succeeds."),
    ]
    return Session(
        "claude-code",
        WEBAPP,
        at(11, 4, 16, 40),
        "Bump the Node version to 22 and make sure the build still works.",
        steps,
    )


def date_picker() -> Session:
    picker = """export function toValue(day: Date): string {
  return day.toISOString().slice(0, 10);
}"""
    bug = Bug(
        "src/components/DatePicker.test.tsx > DatePicker > keeps the picked day east of UTC",
        "AssertionError: expected '2026-03-08' to be '2026-03-09' // Object.is equality\n"
        " ❯ src/components/DatePicker.test.tsx:41:27\n     39|     vi.stubEnv('TZ', 'Pacific/Auckland');\n"
        "     40|     const { onChange } = pick(2026, 2, 9);\n"
        "     41|     expect(onChange).toHaveBeenCalledWith('2026-03-09');",
        (
            Search(
                "toISOString",
                (
                    "src/components/DatePicker.tsx:18:  return day.toISOString().slice(0, 10);",
                    "src/lib/api.ts:44:    createdAfter: since.toISOString(),",
                ),
            ),
            Read("src/components/DatePicker.tsx", picker, 17),
        ),
        "`toValue` converts the picked local midnight to UTC before taking the date, so anyone east of UTC gets "
        "the previous day. The date should be formatted from local parts.",
        (
            Edit(
                "src/components/DatePicker.tsx",
                "  return day.toISOString().slice(0, 10);",
                "  return format(day, 'yyyy-MM-dd');",
                18,
            ),
        ),
        passed=7,
        thinking="Off by one day only for some users smells like a UTC conversion.",
    )
    steps = [
        *test_fix(WEBAPP, bug),
        Edit(
            "src/components/DatePicker.tsx",
            "import { useState } from 'react';",
            "import { format } from 'date-fns';\nimport { useState } from 'react';",
            1,
        ),
        *verify(WEBAPP),
        Say("Picked dates are now formatted from local date parts, so users in New Zealand get the day they clicked."),
        *ship(
            WEBAPP, "fix/datepicker-timezone", "Format picked dates in local time", ["src/components/DatePicker.tsx"]
        ),
    ]
    prompt = "Users in Auckland say the booking date picker saves the day before the one they click."
    return Session("claude-code", WEBAPP, at(10, 13, 13, 15), prompt, steps)


def plus_addresses() -> Session:
    bug = Bug(
        "src/lib/validate.test.ts > isEmail > accepts plus addressing",
        "AssertionError: expected false to be true // Object.is equality\n ❯ src/lib/validate.test.ts:12:44",
        (
            Read(
                "src/lib/validate.ts",
                "const EMAIL = /^[\\w.-]+@[\\w-]+(\\.[\\w-]+)+$/;\n"
                "\n"
                "export const isEmail = (value: string) => EMAIL.test(value);",
                3,
            ),
        ),
        "The local part only allows letters, digits, `.`, `_` and `-`, so `name+tag@example.com` is rejected. "
        "I'll allow `+` (and keep the rest strict).",
        (Edit("src/lib/validate.ts", "const EMAIL = /^[\\w.-]+@", "const EMAIL = /^[\\w.+-]+@", 3),),
        passed=5,
    )
    steps = [
        *test_fix(WEBAPP, bug),
        Say("Plus addresses are accepted now."),
        Ask("Also trim spaces: people paste emails with a trailing space."),
        Edit(
            "src/lib/validate.ts",
            "(value: string) => EMAIL.test(value)",
            "(value: string) => EMAIL.test(value.trim())",
            5,
        ),
        Shell("npx vitest run src/lib/validate.test.ts", TYPESCRIPT.passed("src/lib/validate.test.ts", 6)),
        Say(
            "`isEmail` trims before testing; the signup form already trims before sending, so the API sees clean "
            "values."
        ),
        *ship(WEBAPP, "fix/email-plus-addressing", "Accept plus addressing in emails", ["src/lib/validate.ts"]),
    ]
    prompt = "Signup rejects emails like anna+shop@gmail.com. There's a failing test for it already."
    return Session("claude-code", WEBAPP, at(10, 20, 10, 5), prompt, steps)


def dark_mode_contrast() -> Session:
    theme = """:root[data-theme='dark'] {
  --text: #e6e6e6;
  --muted: #6b7280;
  --accent: #3b82f6;
}"""
    stylelint = """src/styles/theme.css
  3:11  ✖  Expected "#6b7280" to have a contrast of at least 4.5:1 with "--surface" (found 3.9:1)  a11y/color-contrast
1 problem (1 error, 0 warnings)"""
    steps = [
        Fetch(
            "https://www.w3.org/WAI/WCAG22/Understanding/contrast-minimum.html.orig",
            "minimum contrast ratio for body text",
            "",
            404,
        ),
        Fetch(
            "https://www.w3.org/WAI/WCAG22/Understanding/contrast-minimum.html",
            "What is the minimum contrast ratio for normal and large text (AA)?",
            "Success Criterion 1.4.3 (AA): text needs a contrast ratio of at least 4.5:1; large text (18pt, or 14pt "
            "bold) at least 3:1.",
        ),
        Read("src/styles/theme.css", theme, 40),
        *fix_loop(
            "npm run lint:css",
            stylelint,
            "`--muted` (#6b7280) on the dark surface is 3.9:1, below AA's 4.5:1 for body text. #9ca3af gives 7.1:1.",
            [Edit("src/styles/theme.css", "  --muted: #6b7280;", "  --muted: #9ca3af;", 42)],
            "> webapp@3.4.0 lint:css\n> stylelint 'src/**/*.css'\n",
            purpose="Lint styles",
        ),
        Say("Muted text in dark mode now meets WCAG AA (7.1:1 instead of 3.9:1); light mode was already fine."),
    ]
    prompt = "Grey helper text is hard to read in dark mode. Make it pass WCAG AA."
    return Session("claude-code", WEBAPP, at(11, 10, 15, 30), prompt, steps, branch="fix/dark-contrast")


def hooks_lint() -> Session:
    errors = """/home/dev/projects/webapp/src/hooks/useInvoices.ts
  27:6  error  React Hook useEffect has a missing dependency: 'filters'. Either include it or remove the dependency \
array  react-hooks/exhaustive-deps
/home/dev/projects/webapp/src/pages/Settings.tsx
  88:9  error  React Hook useCallback has a missing dependency: 'save'  react-hooks/exhaustive-deps

✖ 2 problems (2 errors, 0 warnings)"""
    steps = [
        Plan(("Run lint", "Fix useInvoices", "Fix Settings", "Lint and build")),
        *fix_loop(
            "npm run lint",
            errors,
            "Both are real bugs rather than noise: `useInvoices` would not refetch when filters change, and "
            "`Settings` would save with a stale closure.",
            [
                Read(
                    "src/hooks/useInvoices.ts",
                    "  useEffect(() => {\n    load(filters).then(setInvoices);\n  }, []);",
                    25,
                ),
                Edit("src/hooks/useInvoices.ts", "  }, []);", "  }, [filters]);", 27),
                Read("src/pages/Settings.tsx", "  const onSubmit = useCallback(() => save(form), [form]);", 88),
                Edit(
                    "src/pages/Settings.tsx",
                    "useCallback(() => save(form), [form])",
                    "useCallback(() => save(form), [form, save])",
                    88,
                ),
            ],
            TYPESCRIPT.lint_ok,
            purpose="Lint",
        ),
        Plan(("Run lint", "Fix useInvoices", "Fix Settings", "Lint and build"), 3),
        Shell("npm run build", BUILT.split("\n", 1)[1], purpose="Build"),
        Say("Lint is clean after the eslint-plugin-react-hooks upgrade: two missing dependencies fixed, build passes."),
    ]
    prompt = "After upgrading eslint-plugin-react-hooks lint fails in CI. Fix the errors, don't disable the rule."
    return Session("claude-code", WEBAPP, at(10, 30, 11, 0), prompt, steps)


def flaky_checkout() -> Session:
    timeout = """Running 1 test using 1 worker
  ✘  1 [chromium] › tests/e2e/checkout.spec.ts:14:5 › checkout › pays with a saved card (31.2s)
    TimeoutError: locator.click: Timeout 30000ms exceeded.
    Call log:
      - waiting for getByRole('button', { name: 'Pay now' })
      -   locator resolved to <button disabled class="pay">Pay now</button>
      - element is not enabled
  1 failed"""
    explore = Delegate(
        "Find what enables Pay now",
        "In src/pages/Checkout.tsx and its hooks, find what makes the 'Pay now' button enabled, which requests it "
        "waits for, and anything time-based. Report with file:line.",
        (
            Find("src/pages/Checkout*", ("src/pages/Checkout.tsx",)),
            Read(
                "src/pages/Checkout.tsx",
                "  const { data: quote } = useQuote(cartId);\n"
                "  const ready = quote && paymentMethod && !submitting;\n"
                "  <Button disabled={!ready}>Pay now</Button>",
                61,
            ),
            Read(
                "src/hooks/useQuote.ts",
                "export const useQuote = (cartId: string) =>\n"
                "  useQuery(['quote', cartId], () => api.quote(cartId), { staleTime: 0, retry: 2 });",
                4,
            ),
            Search(
                "quote",
                (
                    "tests/e2e/checkout.spec.ts:18:    await page.waitForTimeout(1000);",
                    "src/lib/api.ts:71:  quote: (cartId: string) => get(`/carts/${cartId}/quote`),",
                ),
            ),
        ),
        "'Pay now' is enabled when the quote request (`GET /carts/:id/quote`, useQuote.ts:4) has resolved and a "
        "payment method is selected (Checkout.tsx:62). The e2e test waits a fixed 1 s (checkout.spec.ts:18) "
        "instead of waiting for that request; the quote endpoint takes 0.4–2.5 s in CI.",
    )
    steps = [
        Shell("npx playwright test tests/e2e/checkout.spec.ts", timeout, 1, "Run the checkout e2e test"),
        explore,
        Say("The test sleeps 1 s and hopes the quote has loaded. I'll wait for the quote response instead."),
        Edit(
            "tests/e2e/checkout.spec.ts",
            "    await page.waitForTimeout(1000);",
            "    await page.waitForResponse((r) => r.url().includes('/quote') && r.ok());",
            18,
        ),
        Shell(
            "npx playwright test tests/e2e/checkout.spec.ts --repeat-each=10",
            "Running 10 tests using 2 workers\n  10 passed (48.1s)",
            purpose="Run it 10 times",
        ),
        Say("The checkout test now waits for the quote response rather than a fixed second; 10 of 10 runs pass."),
    ]
    prompt = "checkout.spec.ts fails in CI maybe one run in five. Make it reliable."
    return Session("claude-code", WEBAPP, at(11, 6, 9, 20), prompt, steps, branch="test/checkout-flake")


def sessions() -> list[Session]:
    return [node_22(), date_picker(), plus_addresses(), dark_mode_contrast(), hooks_lint(), flaky_checkout()]
