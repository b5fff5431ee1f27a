"""The measurements of the consent-flags benchmark, run inside ``odoo-bin shell`` on one database.

:func:`probe` is called with the shell's superuser environment. It seeds (once per database,
committed) ``PARTNERS`` contacts and ``EVENTS`` consent events, then ``VACUUM ANALYZE``, and
times, as an ordinary addon user (internal user, Contacts rights, the addon's *User* group),
with an empty cache every round (a new request starts with one), what the contact list and form
read of a page of ``PAGE`` contacts: ``ci_accepts_email``, ``ci_accepts_sms`` and
``ci_consent_state_ids`` with the columns the form's consent list shows; and, as the same user,
the states of the whole ledger grouped by purpose and state (a pivot over all of them). An addon
that keeps the current state in a table (``customer.consent.current``) has it filled from the
seeded ledger as an upgrade fills it.

The events are inserted with SQL (the ORM's checks, blacklist sync and audit would take an hour
for 200,000 rows), but as the ledger's ``create`` writes them: company from the purpose, else the
contact's, else the main company; jurisdiction, a legal basis on every (pending) grant, the
purpose's validity as expiry of grants and confirmations, a confirmation deadline on pending
grants, confirmations only of a pending grant of the same combination, never earlier than it and
at most one each, no web-form grant on the e-mail channel (double opt-in), occurred and recorded
in the past, recorded by the superuser.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

PARTNERS = 20_000
EVENTS = 200_000
CONFIRMED = 10_000
"""Confirmations among the events (each of a distinct pending grant)."""
PAGE = 80
PARTNER_BATCH = 2_000
USER_LOGIN = "bench_consent_flags"
ADDON_USER_GROUP = "addon_customer_info.group_customer_info_user"
STATE_SPEC: dict[str, Any] = {
    "purpose_id": {"fields": {"display_name": {}}},
    "channel_id": {"fields": {"display_name": {}}},
    "state": {},
    "decided_at": {},
    "expires_at": {},
}
FORM_SPEC: dict[str, Any] = {
    "ci_accepts_email": {},
    "ci_accepts_sms": {},
    "ci_consent_state_ids": {"fields": STATE_SPEC},
}


def _seed_partners(env: Any) -> list[int]:
    Partner = env["res.partner"].with_context(tracking_disable=True)
    seeded = Partner.search([("email", "=like", "flags%@bench.example.com")], order="id")
    if len(seeded) >= PARTNERS:  # a second probe of the same database
        return seeded.ids[:PARTNERS]
    ids = list(seeded.ids)
    for start in range(len(ids), PARTNERS, PARTNER_BATCH):
        batch = Partner.create(
            [
                {
                    "name": f"Flags Partner {number:05d}",
                    "email": f"flags{number:05d}@bench.example.com",
                    "phone": f"+49 30 {1_000_000 + number}",
                }
                for number in range(start, min(start + PARTNER_BATCH, PARTNERS))
            ]
        )
        ids.extend(batch.ids)
        env.cr.commit()
    return ids


def _seed_events(env: Any, partner_ids: list[int]) -> int:
    cr = env.cr
    cr.execute("SELECT count(*) FROM customer_consent_event")
    existing = cr.fetchone()[0]
    if existing >= EVENTS:
        return existing
    purposes = env["customer.consent.purpose"].search([], order="id")
    channels = env["customer.consent.channel"].search([], order="id")
    email = channels.filtered(lambda c: c.code == "email")
    company = env.ref("base.main_company")
    cr.execute("SELECT setseed(0.20261204)")
    cr.execute("CREATE TEMP TABLE bench_partner (n int PRIMARY KEY, id int) ON COMMIT DROP")
    cr.execute(
        "INSERT INTO bench_partner SELECT n - 1, id FROM unnest(%s::int[]) WITH ORDINALITY AS u(id, n)",
        [partner_ids],
    )
    cr.execute("CREATE TEMP TABLE bench_purpose (n int PRIMARY KEY, id int) ON COMMIT DROP")
    cr.execute(
        "INSERT INTO bench_purpose SELECT n - 1, id FROM unnest(%s::int[]) WITH ORDINALITY AS u(id, n)",
        [purposes.ids],
    )
    cr.execute("CREATE TEMP TABLE bench_channel (n int PRIMARY KEY, id int) ON COMMIT DROP")
    cr.execute(
        "INSERT INTO bench_channel SELECT n - 1, id FROM unnest(%s::int[]) WITH ORDINALITY AS u(id, n)",
        [channels.ids],
    )
    # every event: a random contact, purpose and channel, occurred in the last two years (in
    # order of id, mostly: so a combination's later events mostly arrive later), recorded then
    cr.execute(
        """
        WITH raw AS (
            SELECT s, floor(random() * %(partners)s)::int AS pn,
                   floor(random() * %(purposes)s)::int AS un, floor(random() * %(channels)s)::int AS cn,
                   random() AS r,
                   now() AT TIME ZONE 'UTC' - interval '730 days' * (1 - s::float / %(events)s)
                       - interval '1 hour' * random() AS occurred
              FROM generate_series(1, %(base)s) AS s
        ), picked AS (
            SELECT raw.*, p.id AS partner_id, u.id AS purpose_id, c.id AS channel_id,
                   CASE WHEN r < 0.45 THEN 'grant' WHEN r < 0.6 THEN 'pending'
                        WHEN r < 0.85 THEN 'withdraw' ELSE 'refuse' END AS action
              FROM raw
              JOIN bench_partner p ON p.n = raw.pn
              JOIN bench_purpose u ON u.n = raw.un
              JOIN bench_channel c ON c.n = raw.cn
        )
        INSERT INTO customer_consent_event (
            partner_id, purpose_id, channel_id, action, legal_basis, jurisdiction, source,
            occurred_at, recorded_at, recorded_by_id, expires_at, confirm_deadline, company_id,
            purchased, create_uid, create_date, write_uid, write_date)
        SELECT pk.partner_id, pk.purpose_id, pk.channel_id, pk.action,
               CASE WHEN pk.action IN ('grant', 'pending') THEN pu.default_legal_basis END,
               'other',
               CASE WHEN pk.action = 'pending' THEN 'web_form'
                    WHEN pk.action = 'grant' AND pk.channel_id = %(email)s THEN 'manual'
                    ELSE (ARRAY['manual', 'web_form', 'registry'])[1 + floor(pk.r * 1000)::int %% 3]
               END,
               pk.occurred, pk.occurred, %(uid)s,
               CASE WHEN pk.action = 'grant' AND pu.validity_months > 0
                    THEN pk.occurred + make_interval(months => pu.validity_months) END,
               CASE WHEN pk.action = 'pending' THEN pk.occurred + interval '7 days' END,
               COALESCE(pu.company_id, rp.company_id, %(company)s),
               FALSE, %(uid)s, pk.occurred, %(uid)s, pk.occurred
          FROM picked pk
          JOIN customer_consent_purpose pu ON pu.id = pk.purpose_id
          JOIN res_partner rp ON rp.id = pk.partner_id
      ORDER BY pk.s
        """,
        {
            "partners": len(partner_ids),
            "purposes": len(purposes),
            "channels": len(channels),
            "events": EVENTS,
            "base": EVENTS - CONFIRMED,
            "email": email.id,
            "uid": env.uid,
            "company": company.id,
        },
    )
    # confirmations of some pending grants, within their deadline (by the e-mailed link)
    cr.execute(
        """
        INSERT INTO customer_consent_event (
            partner_id, purpose_id, channel_id, action, legal_basis, jurisdiction, source,
            occurred_at, recorded_at, recorded_by_id, expires_at, pending_event_id, company_id,
            purchased, create_uid, create_date, write_uid, write_date)
        SELECT p.partner_id, p.purpose_id, p.channel_id, 'confirm', p.legal_basis, p.jurisdiction,
               'email_link', p.occurred_at + interval '1 hour', p.occurred_at + interval '1 hour',
               p.recorded_by_id,
               CASE WHEN pu.validity_months > 0
                    THEN p.occurred_at + interval '1 hour' + make_interval(months => pu.validity_months) END,
               p.id, p.company_id, FALSE, p.create_uid, p.occurred_at + interval '1 hour',
               p.write_uid, p.occurred_at + interval '1 hour'
          FROM customer_consent_event p
          JOIN customer_consent_purpose pu ON pu.id = p.purpose_id
         WHERE p.action = 'pending' AND p.occurred_at + interval '1 hour' < now() AT TIME ZONE 'UTC'
      ORDER BY p.id
         LIMIT %s
        """,
        [CONFIRMED],
    )
    cr.commit()
    cr.execute("SELECT count(*) FROM customer_consent_event")
    return cr.fetchone()[0]


def _fill_current_state(env: Any) -> int | None:
    """Rows of the addon's maintained current state, filled from the SQL-seeded ledger as an upgrade
    fills them (``customer.consent.current._rebuild``); ``None`` for an addon without the table."""
    if "customer.consent.current" not in env:
        return None
    current = env["customer.consent.current"]
    env.cr.execute(
        "SELECT (SELECT count(*) FROM customer_consent_current), "
        "(SELECT count(*) FROM (SELECT DISTINCT partner_id, purpose_id, channel_id "
        "FROM customer_consent_event) AS k)"
    )
    rows, combinations = env.cr.fetchone()
    if rows != combinations:
        rows = current._rebuild()
    return rows


def _bench_user(env: Any) -> Any:
    existing = env["res.users"].search([("login", "=", USER_LOGIN)])
    if existing:
        return existing
    groups = env.ref("base.group_user") | env.ref("base.group_partner_manager") | env.ref(ADDON_USER_GROUP)
    return env["res.users"].create(
        {"name": "Bench Consent User", "login": USER_LOGIN, "group_ids": [(6, 0, groups.ids)]}
    )


def probe(env: Any, rounds: int = 15) -> dict[str, Any]:
    """Seed (committed), measure (rolled back) and return the figures."""
    env = env(context={**env.context, "lang": "en_US"})
    partner_ids = _seed_partners(env)
    events = _seed_events(env, partner_ids)
    user = _bench_user(env)
    maintained = _fill_current_state(env)
    env.cr.commit()
    env.cr._cnx.autocommit = True
    env.cr.execute(
        "VACUUM ANALYZE res_partner, customer_consent_event"
        + (", customer_consent_current" if maintained is not None else "")
    )
    env.cr._cnx.autocommit = False
    user_env = env(user=user.id, su=False)
    Partner = user_env["res.partner"]
    # a page in the middle of the contacts: every round another one, so no round reads a page
    # PostgreSQL's buffers hold from the round before any more than the others
    pages = [
        Partner.browse(partner_ids[start : start + PAGE])
        for start in range(PARTNERS // 4, PARTNERS // 4 + PAGE * (rounds + 1), PAGE)
    ]
    cr = user_env.cr

    def flags(page: Any) -> list[dict[str, Any]]:
        return page.web_read(FORM_SPEC)

    user_env.invalidate_all()
    warm = flags(pages[-1])  # access rules, groups and translations cached, as in a running server
    times = []
    queries = 0
    for page in pages[:rounds]:
        user_env.invalidate_all()
        count = cr.sql_log_count
        start = time.perf_counter()
        result = flags(page)
        times.append(time.perf_counter() - start)
        queries = cr.sql_log_count - count
    # the whole ledger's states, grouped as a pivot over all of them does (a few rounds: seconds each
    # on the code before the maintained table)
    State = user_env["customer.consent.state"]
    pivot_times = []
    for _ in range(3):
        user_env.invalidate_all()
        start = time.perf_counter()
        groups = State.formatted_read_group([], ["purpose_id", "state"], ["__count"])
        pivot_times.append(time.perf_counter() - start)
    cr.execute(
        "SELECT count(*) FROM customer_consent_event WHERE partner_id = ANY(%s)",
        [[pid for page in pages[:rounds] for pid in page.ids]],
    )
    page_events = cr.fetchone()[0]
    granted = sum(bool(row["ci_accepts_email"]) for row in result)
    states = sum(len(row["ci_consent_state_ids"]) for row in result)
    env.cr.rollback()
    return {
        "events": events,
        "partners": len(partner_ids),
        "page": PAGE,
        "rounds": rounds,
        "median_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "max_ms": max(times) * 1000,
        "queries": queries,
        "events_per_page": page_events / rounds,
        "last_page_accepts_email": granted,
        "last_page_states": states,
        "warm_rows": len(warm),
        "pivot_median_ms": statistics.median(pivot_times) * 1000,
        "pivot_rows": sum(group["__count"] for group in groups),
        "maintained_rows": maintained,
    }
