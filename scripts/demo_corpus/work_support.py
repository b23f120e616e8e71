"""Conversations of a hosting company's support bot: customers' questions, answered with account and docs tools.

Each exchange is a customer message, the tool calls it took (name, arguments, what came back) and
the answer. Some lookups fail (an expired card, a typo in an account id, a refund window passed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Call = tuple[str, dict[str, Any], str]


@dataclass(frozen=True)
class Exchange:
    user: str
    calls: tuple[Call, ...]
    answer: str


def usage(account: str, **fields: Any) -> Call:
    return ("get_account_usage", {"account_id": account}, _json(fields))


def docs(query: str, found: str) -> Call:
    return ("search_docs", {"query": query}, found)


def _json(fields: dict[str, Any]) -> str:
    return "{" + ", ".join(f'"{k}": {v!r}'.replace("'", '"') for k, v in fields.items()) + "}"


QUOTA = (
    Exchange(
        "My deploys started failing this morning with 'quota exceeded'. What changed?",
        (
            usage("acme-4471", plan="starter", build_minutes_used=3000, build_minutes_limit=3000),
            docs(
                "build minutes quota reset",
                "Build minutes reset on the first day of each billing cycle. Starter plans include 3,000 minutes; "
                "extra minutes can be bought in packs of 1,000.",
            ),
        ),
        "Your account has used all 3,000 build minutes of the Starter plan for this cycle, so new deploys are "
        "refused. The quota resets on the first day of your next billing cycle, or you can buy a pack of 1,000 "
        "extra minutes now.",
    ),
    Exchange(
        "Buy one pack please.",
        (
            (
                "purchase_addon",
                {"account_id": "acme-4471", "addon": "build-minutes-1000"},
                "error: payment method expired",
            ),
        ),
        "The purchase failed because the card on file has expired. Please update it under Billing > Payment "
        "methods and I can retry.",
    ),
)

TICKETS: tuple[tuple[Exchange, ...], ...] = (
    (
        Exchange(
            "I can't log in, the password reset email never arrives. Account is lena@brightpixel.io",
            (
                ("find_account", {"email": "lena@brightpixel.io"}, '{"account_id": "bp-2210", "email_verified": true}'),
                (
                    "get_email_events",
                    {"account_id": "bp-2210", "type": "password_reset"},
                    '[{"sent_at": "2026-11-06T08:02:11Z", "status": "bounced", "reason": "550 5.7.1 blocked by '
                    'recipient policy"}]',
                ),
            ),
            'The reset emails are being rejected by your mail server ("550 5.7.1 blocked by recipient policy"). '
            "Please ask your IT team to allow mail from no-reply@acmecloud.dev, then request a new reset link.",
        ),
        Exchange(
            "IT says it's allowed now.",
            (("send_password_reset", {"account_id": "bp-2210"}, '{"status": "sent", "expires_in_minutes": 30}'),),
            "I've sent a new reset link; it is valid for 30 minutes.",
        ),
    ),
    (
        Exchange(
            "We were charged twice for October. Invoice numbers INV-88121 and INV-88122.",
            (
                (
                    "lookup_invoices",
                    {"account_id": "nordlicht-77", "period": "2026-10"},
                    '[{"id": "INV-88121", "amount": 249.0, "status": "paid"}, {"id": "INV-88122", "amount": 249.0, '
                    '"status": "paid", "note": "duplicate charge after card retry"}]',
                ),
            ),
            "You're right: INV-88122 is a duplicate created when the card payment was retried. I can refund it.",
        ),
        Exchange(
            "Yes please refund it.",
            (
                (
                    "issue_refund",
                    {"invoice_id": "INV-88122", "reason": "duplicate"},
                    '{"refund_id": "re_5512", "status": "pending", "eta_days": 5}',
                ),
            ),
            "Refund re_5512 for €249.00 is on its way; it usually reaches the card within 5 business days.",
        ),
    ),
    (
        Exchange(
            "Our API calls get HTTP 429 since yesterday. We didn't change anything.",
            (
                usage("kiteworks-19", plan="team", api_requests_last_hour=61234, api_rate_limit_per_hour=60000),
                (
                    "get_top_api_keys",
                    {"account_id": "kiteworks-19", "window": "24h"},
                    '[{"key_id": "key_ci_runner", "requests": 1210044}, {"key_id": "key_prod", "requests": 88210}]',
                ),
            ),
            "Your account is over its 60,000 requests/hour limit, and 93% of the traffic comes from the key "
            "`key_ci_runner`. A CI job is probably polling in a loop; limiting that job will clear the 429s.",
        ),
    ),
    (
        Exchange(
            "Webhooks to our endpoint all fail with 'signature mismatch' on our side.",
            (
                (
                    "get_webhook_deliveries",
                    {"account_id": "ledgerly-5", "limit": 3},
                    '[{"status": 401, "endpoint": "https://api.ledgerly.app/hooks/acme"}, {"status": 401}, '
                    '{"status": 401}]',
                ),
                docs(
                    "verify webhook signature",
                    "Compute HMAC-SHA256 of the raw request body with your endpoint's signing secret and compare "
                    "with the Acme-Signature header. Parsing and re-serialising the JSON body changes it and breaks "
                    "the signature.",
                ),
            ),
            "Deliveries reach you but your endpoint answers 401. The usual cause is verifying the signature over "
            "parsed-and-reserialised JSON: compute the HMAC over the raw body bytes instead. Also check the secret "
            "was not rotated (Settings > Webhooks).",
        ),
    ),
    (
        Exchange(
            "Custom domain shop.vinyl-cafe.de has been 'pending certificate' for 2 days.",
            (
                (
                    "check_domain",
                    {"domain": "shop.vinyl-cafe.de"},
                    '{"cname": null, "a_records": ["93.184.216.34"], "expected_cname": "proxy.acmecloud.dev", '
                    '"certificate": "pending_validation"}',
                ),
            ),
            "The certificate cannot be issued because shop.vinyl-cafe.de has an A record pointing elsewhere "
            "instead of a CNAME to proxy.acmecloud.dev. Replace the A record with that CNAME; the certificate is "
            "issued within minutes after DNS updates.",
        ),
    ),
    (
        Exchange(
            "Please refund our annual plan, we bought it by mistake in August.",
            (
                (
                    "lookup_invoices",
                    {"account_id": "quillmark-3", "period": "2026-08"},
                    '[{"id": "INV-80410", "amount": 1188.0, "plan": "pro-annual", "paid_at": "2026-08-12"}]',
                ),
                (
                    "issue_refund",
                    {"invoice_id": "INV-80410", "reason": "purchased by mistake"},
                    "error: refund window (30 days) has passed",
                ),
            ),
            "I'm sorry, the annual plan can only be refunded within 30 days of purchase and INV-80410 was paid on "
            "12 August. I've noted your request; I can create a ticket for the billing team to review an exception.",
        ),
        Exchange(
            "Yes, make a ticket.",
            (
                (
                    "create_ticket",
                    {
                        "account_id": "quillmark-3",
                        "queue": "billing",
                        "summary": "Refund exception request for INV-80410 (annual plan bought by mistake)",
                    },
                    '{"ticket_id": "T-30917"}',
                ),
            ),
            "Ticket T-30917 is with the billing team; they answer within two business days.",
        ),
    ),
    (
        Exchange(
            "Where is our data stored? We need an EU region for GDPR.",
            (
                ("get_account", {"account_id": "medisync-41"}, '{"region": "us-east-1", "plan": "business"}'),
                docs(
                    "data residency eu region migration",
                    "Projects can be created in eu-central-1 (Frankfurt) or eu-west-1 (Dublin). Existing projects "
                    "move with `acme projects migrate --region`; downtime is under 5 minutes.",
                ),
            ),
            "Your projects are in us-east-1 today. EU options are Frankfurt (eu-central-1) and Dublin (eu-west-1); "
            "existing projects move with `acme projects migrate --region eu-central-1` with under 5 minutes of "
            "downtime. A DPA is available under Settings > Legal.",
        ),
    ),
    (
        Exchange(
            "I lost my phone with the 2FA app. How do I get back in?",
            (
                (
                    "find_account",
                    {"email": "tom.okafor@fieldnote.io"},
                    '{"account_id": "fieldnote-8", "two_factor": "totp", "recovery_codes_remaining": 0}',
                ),
            ),
            "Your account has no recovery codes left, so I can't disable 2FA from here. I'll open an identity "
            "verification ticket with our security team.",
        ),
        Exchange(
            "ok",
            (
                (
                    "create_ticket",
                    {
                        "account_id": "fieldnote-8",
                        "queue": "security",
                        "summary": "2FA reset: lost device, no recovery codes",
                    },
                    '{"ticket_id": "T-30988"}',
                ),
            ),
            "Ticket T-30988 is open. Security will email you to verify your identity, usually within one day.",
        ),
    ),
    (
        Exchange(
            "Is there an outage? Our site in Frankfurt returns 503 since 14:05.",
            (
                (
                    "get_status",
                    {"region": "eu-central-1"},
                    '{"incidents": [{"id": "inc-771", "title": "Elevated 503s on edge proxies in eu-central-1", '
                    '"status": "identified", "started_at": "2026-11-09T14:02:00Z"}]}',
                ),
            ),
            "Yes, incident inc-771: edge proxies in eu-central-1 return elevated 503s since 14:02 UTC. The cause is "
            "identified and a fix is rolling out; you can follow it on status.acmecloud.dev.",
        ),
    ),
    (
        Exchange(
            "Please add our VAT number DE811907980 to the invoices.",
            (
                (
                    "update_billing",
                    {"account_id": "acme-4471", "vat_id": "DE811907980"},
                    "error: account not found: acme-447",
                ),
            ),
            "Sorry, I mistyped your account id. Trying again.",
        ),
        Exchange(
            "",
            (
                (
                    "update_billing",
                    {"account_id": "acme-4471", "vat_id": "DE811907980"},
                    '{"vat_id": "DE811907980", "vies_valid": true, "reverse_charge": true}',
                ),
            ),
            "Done: VAT ID DE811907980 is validated in VIES, and your next invoices will use the reverse charge.",
        ),
    ),
    (
        Exchange(
            "A teammate never got the invite to our team.",
            (
                (
                    "resend_invite",
                    {"account_id": "brightpixel-2", "email": "sam@brightpixel.io"},
                    '{"status": "sent", "previous_attempts": [{"status": "deferred", "reason": "greylisted"}]}',
                ),
            ),
            "The first invite was greylisted by their mail server. I've sent a new one to sam@brightpixel.io; "
            "please ask them to check spam too.",
        ),
    ),
    (
        Exchange(
            "Our deploy has been stuck in 'queued' for 40 minutes.",
            (
                (
                    "get_deploys",
                    {"account_id": "tallyho-12", "status": "queued"},
                    '[{"id": "dep_9931", "queued_at": "2026-11-10T09:14:00Z", "blocked_by": "dep_9930 (running, 52 '
                    'min)"}]',
                ),
            ),
            "dep_9931 is waiting behind dep_9930, which has been running for 52 minutes; your plan runs one deploy "
            "at a time. Cancelling dep_9930 (it may be hanging on a build step) will let the queue move.",
        ),
        Exchange(
            "Cancel it.",
            (("cancel_deploy", {"deploy_id": "dep_9930"}, '{"status": "cancelled"}'),),
            "dep_9930 is cancelled and dep_9931 has started building.",
        ),
    ),
    (
        Exchange(
            "We leaked an API key in a public repo. Rotate it now.",
            (
                (
                    "rotate_api_key",
                    {"account_id": "ledgerly-5", "key_id": "key_prod"},
                    '{"new_key_id": "key_prod_2", "old_key_revoked": true}',
                ),
            ),
            "key_prod is revoked and replaced by key_prod_2 (shown once in Settings > API keys). Requests with the "
            "old key now get 401. I'd also check the audit log for calls from unknown IPs since the leak.",
        ),
        Exchange(
            "Any unknown calls?",
            (
                (
                    "get_audit_log",
                    {"account_id": "ledgerly-5", "key_id": "key_prod", "since": "2026-11-08"},
                    '[{"ip": "185.220.101.4", "action": "projects.list", "at": "2026-11-08T22:41:09Z"}]',
                ),
            ),
            "One: 185.220.101.4 listed your projects at 22:41 UTC on 8 November, read-only. Nothing was changed.",
        ),
    ),
    (
        Exchange(
            "How much storage are we using? We got a warning email.",
            (usage("kiteworks-19", storage_gb_used=96.4, storage_gb_limit=100, largest_bucket="ci-artifacts"),),
            "You're at 96.4 of 100 GB, mostly in the `ci-artifacts` bucket. A lifecycle rule that deletes artifacts "
            "after 30 days usually frees most of that.",
        ),
    ),
    (
        Exchange(
            "Can I downgrade from Business to Team without losing data?",
            (
                ("get_account", {"account_id": "medisync-41"}, '{"plan": "business", "seats": 14, "sso": true}'),
                docs(
                    "downgrade plan business to team",
                    "Team plans include up to 10 seats and no SAML SSO. Downgrades take effect at the end of the "
                    "billing cycle; data is kept.",
                ),
            ),
            "Data is kept, but Team allows 10 seats (you have 14) and has no SAML SSO, which you use. You'd need to "
            "remove 4 seats and switch members to password login before the downgrade takes effect.",
        ),
    ),
    (
        Exchange(
            "Our bill jumped from $49 to $310 this month. Why?",
            (
                (
                    "lookup_invoices",
                    {"account_id": "tallyho-12", "period": "2026-10"},
                    '[{"id": "INV-88410", "amount": 310.0, "lines": [{"item": "team plan", "amount": 49.0}, {"item": '
                    '"bandwidth overage 2.6 TB", "amount": 261.0}]}]',
                ),
                usage("tallyho-12", bandwidth_tb=3.6, bandwidth_included_tb=1.0, top_path="/media/launch-video.mp4"),
            ),
            "$261 of it is bandwidth: 3.6 TB against the 1 TB included, almost all from /media/launch-video.mp4. "
            "Serving that file from a video host or enabling the CDN cache for /media would keep you within the plan.",
        ),
    ),
    (
        Exchange(
            "Cancel my subscription please.",
            (
                ("cancel_subscription", {"account_id": "quillmark-3"}, "error: account has unpaid invoices"),
                (
                    "lookup_invoices",
                    {"account_id": "quillmark-3", "status": "unpaid"},
                    '[{"id": "INV-88702", "amount": 99.0, "due": "2026-11-01"}]',
                ),
            ),
            "I can't cancel yet because invoice INV-88702 ($99, due 1 November) is unpaid. Once it is paid under "
            "Billing > Invoices, I can cancel at the end of the current period.",
        ),
    ),
    (
        Exchange(
            "How far back can we restore our database?",
            (
                ("get_account", {"account_id": "medisync-41"}, '{"plan": "business", "databases": ["pg-main"]}'),
                docs(
                    "point in time recovery retention",
                    "Point-in-time recovery keeps 7 days on Team and 14 days on Business plans. Restores create a "
                    "new database; the original is left untouched.",
                ),
            ),
            "On the Business plan, pg-main can be restored to any second of the last 14 days. A restore creates a "
            "new database next to the original, so you can check it before switching over.",
        ),
        Exchange(
            "And older than that?",
            (
                docs(
                    "daily snapshots retention export",
                    "Daily snapshots are kept for 30 days and can be exported to your own S3 bucket with `acme db "
                    "export`.",
                ),
            ),
            "Daily snapshots go back 30 days. For longer retention, export them to your own bucket with `acme db "
            "export` on a schedule.",
        ),
    ),
    (
        Exchange(
            "Change the owner email of our account to ops@fieldnote.io",
            (
                ("find_account", {"email": "ops@fieldnote.io"}, '{"account_id": "fieldnote-2", "plan": "free"}'),
                (
                    "update_owner_email",
                    {"account_id": "fieldnote-8", "email": "ops@fieldnote.io"},
                    "error: email already in use by account fieldnote-2",
                ),
            ),
            "ops@fieldnote.io already owns another (free) account, fieldnote-2, so it can't own this one too. You "
            "can delete fieldnote-2 or change its email first; or I can ask the team to merge them.",
        ),
        Exchange(
            "Merge them.",
            (
                (
                    "create_ticket",
                    {
                        "account_id": "fieldnote-8",
                        "queue": "accounts",
                        "summary": "Merge fieldnote-2 into fieldnote-8 and make ops@fieldnote.io the owner",
                    },
                    '{"ticket_id": "T-31044"}',
                ),
            ),
            "Ticket T-31044 asks the accounts team to merge them; they'll confirm by email before changing anything.",
        ),
    ),
    (
        Exchange(
            "Can I get a shell inside my running container?",
            (
                docs(
                    "exec shell into running container",
                    "`acme exec <service> -- sh` opens a shell in a running instance. It requires the Developer role "
                    "and is logged in the audit log.",
                ),
            ),
            "Yes: `acme exec <service> -- sh`. You need the Developer role on the project, and every exec session is "
            "recorded in the audit log.",
        ),
    ),
)
