"""Vendor token shapes: credentials recognisable by themselves, wherever they appear.

The shapes are those of gitleaks' default rules (v8.30.1, MIT, see GITLEAKS-LICENSE),
chosen for what agent logs hold (cloud, git hosts, chat, model APIs, package registries)
and merged per vendor, so one placeholder type names each (`<secret:github-token>` for
all five GitHub prefixes). A few model-API shapes gitleaks lacks are added (Groq, xAI,
Replicate, Tavily, LangSmith, Langfuse, OpenRouter).

Each body is used as its own trigger. The guards around it keep a shape from matching
inside a longer run of word characters, such as a base64 blob or an identifier; the
entropy floor drops documentation stand-ins like `ghp_xxxxxxxx…` or `AKIAXXXXXXXXXXXXXXXX`.
"""

from __future__ import annotations

import re

from logviz_assets.redact.rule import TOKEN_PRIORITY, Rule, not_after, secret_span
from logviz_assets.redact.values import shannon_entropy

_BEFORE = not_after("A-Za-z0-9_")
_AFTER = r"(?![A-Za-z0-9_])"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

# (placeholder type, body). The body is RE2 syntax too; `(?P<secret>…)` marks the secret part
# where the rest of the match (a webhook's host) is worth keeping.
TOKEN_SHAPES: tuple[tuple[str, str], ...] = (
    # cloud providers
    ("aws-access-key-id", r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}"),
    ("aws-bedrock-api-key", r"ABSK[A-Za-z0-9+/]{109,269}={0,2}"),
    ("google-api-key", r"AIza[0-9A-Za-z_-]{35}"),
    ("google-oauth-token", r"ya29\.[0-9A-Za-z_-]{20,}|GOCSPX-[0-9A-Za-z_-]{28}"),
    ("azure-ad-client-secret", r"[0-9A-Za-z_~.]{3}[0-9]Q~[0-9A-Za-z_~.-]{31,34}"),
    ("azure-storage-key", r"AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)"),
    ("digitalocean-token", r"do[opr]_v1_[0-9a-f]{64}"),
    ("heroku-api-key", r"HRKU-AA[0-9A-Za-z_-]{58}"),
    ("cloudflare-origin-ca-key", r"v1\.0-[0-9a-f]{24}-[0-9a-f]{146}"),
    ("flyio-token", r"fo1_[0-9A-Za-z_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3}"),
    ("databricks-token", r"dapi[0-9a-f]{32}(?:-[0-9])?"),
    ("vault-token", r"hvs\.[0-9A-Za-z_-]{90,120}|hvb\.[0-9A-Za-z_-]{138,300}"),
    ("doppler-token", r"dp\.(?:pt|st|sa|ct|scim|audit)\.[0-9A-Za-z]{40,44}"),
    ("onepassword-token", r"ops_eyJ[A-Za-z0-9+/]{250,}={0,3}"),
    ("age-secret-key", r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    ("hashicorp-tf-token", r"[0-9A-Za-z]{14}\.atlasv1\.[0-9A-Za-z_=-]{60,70}"),
    ("supabase-token", r"sbp_[0-9a-f]{40}"),
    ("planetscale-token", r"pscale_(?:tkn|pw|oauth)_[0-9A-Za-z_.=-]{32,64}"),
    # git hosts and CI
    ("github-token", r"gh[pousr]_[0-9A-Za-z]{36,251}|github_pat_[0-9A-Za-z_]{82,}"),
    (
        "gitlab-token",
        r"(?:glpat|gldt|glrt|glsoat|glft|glimt|glagent|gloas|glffct|glcbt)-[0-9A-Za-z_-]{20,}"
        r"|glptt-[0-9a-f]{40}|GR1348941[0-9A-Za-z_-]{20,}",
    ),
    ("atlassian-api-token", r"ATATT3[A-Za-z0-9_=-]{186}"),
    ("sourcegraph-token", r"sgp_(?:[0-9a-f]{16}|local)_[0-9a-f]{40}"),
    ("docker-hub-token", r"dckr_pat_[A-Za-z0-9_-]{27,}"),
    ("artifactory-token", r"AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56}"),
    ("pulumi-token", r"pul-[0-9a-f]{40}"),
    ("postman-api-key", r"PMAK-[0-9a-f]{24}-[0-9a-f]{34}"),
    ("linear-api-key", r"lin_(?:api|oauth)_[0-9A-Za-z]{40}"),
    ("sentry-token", r"sntryu_[0-9a-f]{64}|sntrys_[A-Za-z0-9+/=_]{80,}"),
    ("grafana-token", r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,2}"),
    ("new-relic-key", r"NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32}"),
    ("dynatrace-token", r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}"),
    # package registries
    ("npm-token", r"npm_[A-Za-z0-9]{36}"),
    ("pypi-token", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    ("rubygems-api-key", r"rubygems_[0-9a-f]{48}"),
    # chat and messaging
    (
        "slack-token",
        r"xox[abeoprs]-(?:[0-9]+-){1,3}[0-9A-Za-z]{8,}(?:-[0-9A-Za-z]+)*|xox[ar]-[0-9A-Za-z]{8,48}"
        r"|xoxe\.xox[bp]-[0-9]-[0-9A-Za-z]{100,}|xapp-[0-9]-[0-9A-Za-z]+-[0-9]+-[0-9A-Za-z]+",
    ),
    ("slack-webhook", r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9+/]{43,56})"),
    ("discord-webhook", r"discord(?:app)?\.com/api/webhooks/(?P<secret>[0-9]{15,20}/[0-9A-Za-z_-]{60,})"),
    ("discord-bot-token", r"[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}"),
    (
        "teams-webhook",
        rf"webhook\.office\.com/webhookb2/(?P<secret>{_UUID}@{_UUID}/IncomingWebhook/[0-9a-f]{{32}}/{_UUID})",
    ),
    ("telegram-bot-token", r"[0-9]{8,10}:A[0-9A-Za-z_-]{34}"),
    ("twilio-api-key", r"SK[0-9a-fA-F]{32}"),
    ("sendgrid-api-key", r"SG\.[0-9A-Za-z_-]{16,32}\.[0-9A-Za-z_-]{16,64}"),
    ("mailgun-api-key", r"key-[0-9a-f]{32}"),
    ("mailchimp-api-key", r"[0-9a-f]{32}-us[0-9]{1,2}"),
    # payments and commerce
    ("stripe-key", r"(?:sk|rk)_(?:test|live|prod)_[0-9A-Za-z]{10,99}|whsec_[0-9A-Za-z]{32,}"),
    ("square-token", r"sq0atp-[0-9A-Za-z_-]{22}|sq0csp-[0-9A-Za-z_-]{43}|EAAA[0-9A-Za-z_-]{60}"),
    ("shopify-token", r"shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}"),
    ("airtable-token", r"pat[A-Za-z0-9]{14}\.[0-9a-f]{64}"),
    ("mapbox-secret-token", r"sk\.eyJ[0-9A-Za-z_-]{20,}\.[0-9A-Za-z_-]{20,}"),
    # model and agent APIs
    ("anthropic-api-key", r"sk-ant-(?:api|admin|oat|ort|sid)[0-9]{2}-[A-Za-z0-9_-]{40,}"),
    (
        "openai-api-key",
        r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}",
    ),
    ("openrouter-api-key", r"sk-or-v1-[0-9a-f]{64}"),
    ("langfuse-secret-key", rf"sk-lf-{_UUID}"),
    ("langsmith-api-key", r"lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}"),
    ("huggingface-token", r"hf_[A-Za-z0-9]{34,40}|api_org_[A-Za-z]{34}"),
    ("replicate-token", r"r8_[A-Za-z0-9]{37}"),
    ("groq-api-key", r"gsk_[A-Za-z0-9]{52}"),
    ("xai-api-key", r"xai-[A-Za-z0-9]{80}"),
    ("perplexity-api-key", r"pplx-[A-Za-z0-9]{48}"),
    ("tavily-api-key", r"tvly-(?:dev-|prod-)?[A-Za-z0-9]{32}"),
    ("notion-token", r"ntn_[0-9]{11}[0-9A-Za-z]{35}|secret_[0-9A-Za-z]{43}"),
    ("prefect-api-key", r"pnu_[0-9A-Za-z]{36}"),
    ("readme-api-key", r"rdme_[a-z0-9]{70}"),
    # DeepSeek, Moonshot and other OpenAI-compatible services: `sk-` and 32+ characters.
    ("sk-api-key", r"sk-[A-Za-z0-9]{32,}"),
)

# gitleaks puts most shapes at 3 bits per character or more; real tokens reach 4.5 and up.
MIN_TOKEN_ENTROPY = 3.0


def token_rule(name: str, body: str) -> Rule:
    pattern = re.compile(f"{_BEFORE}(?:{body}){_AFTER}", re.ASCII)

    def check(match: re.Match[str]) -> list[tuple[int, int, str]]:
        span = secret_span(match, name)
        start, end, _ = span[0]
        return span if shannon_entropy(match.string[start:end]) >= MIN_TOKEN_ENTROPY else []

    return Rule(name, pattern, trigger=body, priority=TOKEN_PRIORITY, check=check)


TOKEN_RULES: tuple[Rule, ...] = tuple(token_rule(name, body) for name, body in TOKEN_SHAPES)
