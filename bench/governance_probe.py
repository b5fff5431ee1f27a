"""The measurements of the governance benchmark, run inside ``odoo-bin shell`` on one database.

:func:`probe` is called with the shell's superuser environment; it seeds the same partners in
every database (a fixed seed), then measures every operation as an ordinary internal user (the
guard lets the superuser through, so measuring as the superuser would hide its cost): the
wall-clock time of each round and the SQL queries of one round (``cr.sql_log_count``).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

SEED = 20261204
PARTNERS = 2000
READ_BATCH = 500
WRITE_BATCH = 500
CREATE_BATCH = 100
PAGE = 80
READ_FIELDS = ["name", "email", "phone", "city", "country_id", "vat"]
LIST_SPEC: dict[str, dict[str, Any]] = {
    "display_name": {},
    "email": {},
    "phone": {},
    "city": {},
    "country_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
}
ADDON_USER_GROUP = "addon_customer_info.group_customer_info_user"
CITIES = ["上海", "北京", "深圳", "Berlin", "Hamburg", "München", "Lyon", "Paris"]


def _seed_partners(env: Any) -> list[int]:
    seeded = env["res.partner"].search([("email", "=like", "partner%@bench.example.com")], order="id")
    if seeded:  # a second probe of the same database
        return seeded.ids
    rng = random.Random(SEED)
    countries = env["res.country"].search([("code", "in", ["CN", "DE", "FR"])])
    vals_list = []
    for number in range(PARTNERS):
        vals_list.append(
            {
                "name": f"Bench Partner {number:05d}",
                "email": f"partner{number:05d}@bench.example.com",
                "phone": f"+49 30 {rng.randrange(1_000_000, 9_999_999)}",
                "city": rng.choice(CITIES),
                "country_id": rng.choice(countries.ids),
                "is_company": number % 3 == 0,
            }
        )
    partners = env["res.partner"].with_context(tracking_disable=True).create(vals_list)
    return partners.ids


def _bench_user(env: Any) -> Any:
    existing = env["res.users"].search([("login", "=", "bench_governance")])
    if existing:
        return existing
    groups = env.ref("base.group_user") | env.ref("base.group_partner_manager")
    addon_group = env.ref(ADDON_USER_GROUP, raise_if_not_found=False)
    if addon_group:
        groups |= addon_group
    return env["res.users"].create(
        {"name": "Bench User", "login": "bench_governance", "group_ids": [(6, 0, groups.ids)]}
    )


def _measure(
    env: Any, operation: Callable[[int], object], prepare: Callable[[], None], rounds: int
) -> dict[str, float | int]:
    """Time ``operation`` over ``rounds``; ``prepare`` (emptying the cache, as a new request
    starts with an empty one) runs before each round, outside the time."""
    cr = env.cr
    prepare()
    operation(-1)  # warm: access rules, groups, translations and prepared views are cached
    cr.flush()
    times = []
    queries = 0
    for round_no in range(rounds):
        prepare()
        start_count = cr.sql_log_count
        start = time.perf_counter()
        operation(round_no)
        cr.flush()  # what a commit runs: the ORM's pending writes and the precommit hooks (tracking)
        times.append(time.perf_counter() - start)
        queries = cr.sql_log_count - start_count
    return {"median_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000, "queries": queries}


def probe(env: Any, rounds: int = 7) -> dict[str, Any]:
    """Seed the database (committed: it is the benchmark's own), measure every operation (rolled
    back), and return the figures."""
    env = env(context={**env.context, "lang": "en_US"})
    installed = bool(
        env["ir.module.module"].search([("name", "=", "addon_customer_info"), ("state", "=", "installed")])
    )
    partner_ids = _seed_partners(env)
    user = _bench_user(env)
    user_env = env(user=user.id, su=False)
    # the seed is committed and the table vacuumed, as a database in use is (autovacuum):
    # creating a contact writes its row more than once, and the dead rows would be measured
    env.cr.commit()
    env.cr._cnx.autocommit = True
    env.cr.execute("VACUUM ANALYZE res_partner")
    env.cr._cnx.autocommit = False
    Partner = user_env["res.partner"]
    countries = user_env["res.country"].search([])
    read_partners = Partner.browse(partner_ids[:READ_BATCH])
    write_partners = Partner.browse(partner_ids[READ_BATCH : READ_BATCH + WRITE_BATCH])

    def country_attributes(_round: int) -> object:
        return [(country.name, country.code, country.phone_code) for country in countries]

    def partner_attributes(_round: int) -> object:
        return [(partner.name, partner.email, partner.city) for partner in read_partners]

    def partner_read(_round: int) -> object:
        return read_partners.read(READ_FIELDS)

    def partner_web_search_read(_round: int) -> object:
        return Partner.web_search_read([("city", "in", CITIES[:4])], LIST_SPEC, limit=PAGE)

    def partner_write(round_no: int) -> object:
        return write_partners.write({"email": f"round{round_no + 1}@bench.example.com"})

    def partner_create(round_no: int) -> object:
        return Partner.create(
            [
                {
                    "name": f"Created {round_no + 1}-{number}",
                    "email": f"c{round_no + 1}.{number}@bench.example.com",
                }
                for number in range(CREATE_BATCH)
            ]
        )

    def cold() -> None:
        user_env.invalidate_all()

    def warm() -> None:
        pass

    operations: dict[str, tuple[Callable[[int], object], Callable[[], None]]] = {
        "res.country attribute access (all countries, 3 fields)": (country_attributes, cold),
        f"res.partner attribute access ({READ_BATCH}, 3 fields)": (partner_attributes, cold),
        f"res.partner read ({READ_BATCH}, {len(READ_FIELDS)} fields)": (partner_read, cold),
        f"res.partner web_search_read (list page of {PAGE})": (partner_web_search_read, cold),
        f"res.partner write email ({WRITE_BATCH})": (partner_write, warm),
        f"res.partner create ({CREATE_BATCH})": (partner_create, warm),
    }
    figures = {
        name: _measure(user_env, operation, prepare, rounds)
        for name, (operation, prepare) in operations.items()
    }
    env.cr.rollback()
    return {"addon_installed": installed, "rounds": rounds, "operations": figures}
