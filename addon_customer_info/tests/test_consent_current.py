"""The maintained current state (``customer.consent.current``) says what the ledger says (issue 14, item 7).

Random event sequences (seeded, so a failure can be replayed) through the ledger's public API;
after each, the state read from the maintained rows is compared with the state derived from the
events by the ledger's own SQL, column by column, at several moments.
"""

import datetime
import random

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.customer_consent_current import STORED_COLUMNS  # noqa: TID252
from ..models.customer_consent_event import LINK_SENTINEL  # noqa: TID252
from ..models.customer_consent_state import CustomerConsentState  # noqa: TID252
from .test_consent_ledger import ConsentCommon

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
COLUMNS = (
    "id",
    "partner_id",
    "purpose_id",
    "channel_id",
    "company_id",
    "state",
    "decisive_event_id",
    "decided_at",
    "expires_at",
    "pending_event_id",
    "last_occurred_at",
)


@tagged("post_install", "-at_install")
class TestConsentCurrent(ConsentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Current = cls.env["customer.consent.current"]
        cls.company = cls.env["res.company"].create({"name": "Consent Current Company (test)"})
        cls.people = cls.Partner.create(
            [{"name": f"Current Person {n}", "email": f"current{n}@example.com"} for n in range(4)]
        )

    # ------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------

    def rows(self, sql):
        columns = SQL(", ").join(SQL.identifier("st", name) for name in COLUMNS)
        partners = tuple(self.people.ids)
        return sorted(
            self.env.execute_query(
                SQL("SELECT %s FROM (%s) AS st WHERE st.partner_id IN %s", columns, sql, partners)
            )
        )

    def assert_same_as_ledger(self, moments, label):
        for at in moments:
            with self.subTest(label, at=at):
                maintained = self.rows(self.Current._state_sql(at=at))
                derived = self.rows(self.Event._state_sql(at=at))
                self.assertTrue(derived)
                self.assertEqual(maintained, derived)

    def random_ledger(self, seed, count):
        """``count`` events at random: every action, purchased grants (of the purpose that is not
        marketing), expiries, confirmation deadlines past, future and none, confirmations of
        random pending grants, events out of order and some within the clock skew ahead."""
        rng = random.Random(seed)  # noqa: S311 (a replayable test sequence, not a secret)
        now = self.env.cr.now()
        purposes = self.newsletter | self.service
        channels = self.email | self.sms
        pending = []
        for _ in range(count):
            partner = rng.choice(self.people)
            purpose = rng.choice(purposes)
            channel = rng.choice(channels)
            occurred = now - rng.randint(0, 400) * DAY - rng.randint(0, 1440) * MINUTE
            if rng.random() < 0.05:
                occurred = now + rng.randint(1, 4) * MINUTE
            elif rng.random() < 0.1:
                occurred = now - rng.randint(0, 30) * MINUTE
            action = rng.choice(["grant", "grant", "pending", "pending", "withdraw", "refuse", "confirm"])
            if action == "confirm":
                unconfirmed = [event for event in pending if event.occurred_at <= now]
                if not unconfirmed:
                    continue
                target = unconfirmed.pop(rng.randrange(len(unconfirmed)))
                pending.remove(target)
                confirmed = min(target.occurred_at + rng.randint(0, 90) * MINUTE, now)
                self.Event.with_context(ci_consent_link=LINK_SENTINEL).create(
                    {
                        "partner_id": target.partner_id.id,
                        "purpose_id": target.purpose_id.id,
                        "channel_id": target.channel_id.id,
                        "action": "confirm",
                        "source": "email_link",
                        "pending_event_id": target.id,
                        "occurred_at": confirmed,
                        "expires_at": rng.choice([False, confirmed + rng.randint(1, 500) * DAY]),
                    }
                )
                continue
            values = {
                "partner_id": partner.id,
                "purpose_id": purpose.id,
                "channel_id": channel.id,
                "action": action,
                "source": "manual",
                "occurred_at": occurred,
            }
            if action == "grant" and rng.random() < 0.5:
                values["expires_at"] = occurred + rng.randint(1, 500) * DAY
            if action == "pending":
                values["confirm_deadline"] = rng.choice(
                    [False, now + rng.randint(-10, 10) * DAY, occurred + rng.randint(1, 30) * DAY]
                )
            if action in ("grant", "pending") and purpose == self.service and rng.random() < 0.4:
                values["purchased"] = True
            event = self.Event.create(values)
            if action == "pending":
                pending.append(event)
        return now

    # ------------------------------------------------------------
    # tests
    # ------------------------------------------------------------

    def test_maintained_state_is_the_ledgers_for_random_sequences(self):
        for seed in (20261206, 7, 1414):
            with self.subTest(seed=seed):
                now = self.random_ledger(seed, 120)
                moments = [now, now + 5 * MINUTE, now + 12 * DAY, now + 450 * DAY, now - 20 * DAY]
                self.assert_same_as_ledger(moments, "recorded")
                # purchased grants stop counting when the purpose becomes marketing, and count again
                self.service.is_marketing = True
                self.assert_same_as_ledger(moments, "service is marketing")
                self.service.is_marketing = False
                self.assert_same_as_ledger(moments, "service is not marketing again")
                # the states belong to the purpose's company, whenever it changes
                self.service.company_id = self.company
                self.assert_same_as_ledger(moments, "service of one company")
                self.service.company_id = False
                self.assert_same_as_ledger(moments, "service shared again")

    def test_rebuild_computes_the_rows_the_ledger_kept(self):
        self.random_ledger(99, 80)
        columns = SQL(", ").join(
            SQL.identifier(name) for name in ("partner_id", "purpose_id", "channel_id", *STORED_COLUMNS)
        )
        query = SQL("SELECT %s FROM customer_consent_current ORDER BY 1, 2, 3", columns)
        kept = self.env.execute_query(query)
        self.assertTrue(kept)
        self.env.cr.execute("DELETE FROM customer_consent_current")
        self.assertEqual(self.Current._rebuild(), len(kept))
        self.assertEqual(self.env.execute_query(query), kept)

    def test_the_public_state_reads_the_maintained_rows(self):
        """The API (``_state``), the Current Consent rows and the flags follow a new event at once."""
        person = self.people[0]
        self.record("grant", partner=person, channel=self.email)
        self.assertEqual(self.state(partner=person), "granted")
        self.assertTrue(person.ci_accepts_email)
        row = self.Current.search([("partner_id", "=", person.id)])
        self.assertEqual(row.decisive_action, "grant")
        self.record("withdraw", partner=person, channel=self.email)
        self.assertEqual(self.state(partner=person), "withdrawn")
        person.invalidate_recordset()
        self.assertFalse(person.ci_accepts_email)
        self.assertEqual(row.decisive_action, "withdraw")
        states = self.env["customer.consent.state"].search([("partner_id", "=", person.id)])
        self.assertEqual(states.mapped("state"), ["withdrawn"])
        self.assertEqual(states.id, row.last_event_id.id)

    def test_nobody_edits_the_rows(self):
        self.record("grant", partner=self.people[1])
        row = self.Current.search([("partner_id", "=", self.people[1].id)])
        self.assertTrue(row)
        for env in (self.env, self.env(user=self.user_admin_ci)):
            with self.subTest(user=env.user.login):
                with self.assertRaises(UserError):
                    row.with_env(env).write({"decisive_action": "withdraw"})
                with self.assertRaises(UserError):
                    row.with_env(env).unlink()
                with self.assertRaises(UserError):
                    self.Current.with_env(env).create(
                        {
                            "partner_id": self.people[2].id,
                            "purpose_id": self.newsletter.id,
                            "channel_id": self.email.id,
                            "last_event_id": row.last_event_id.id,
                        }
                    )

    def test_a_merge_keeps_the_state_of_the_kept_contact(self):
        kept, merged = self.people[2], self.people[3]
        self.record("grant", partner=kept, occurred_at=self.env.cr.now() - 3 * DAY)
        self.record("withdraw", partner=merged, occurred_at=self.env.cr.now() - DAY)
        self.record("grant", partner=merged, channel=self.sms)
        self.env["base.partner.merge.automatic.wizard"]._merge((kept | merged).ids, kept)
        self.assertEqual(self.state(partner=kept), "withdrawn")
        self.assertEqual(self.state(partner=kept, channel=self.sms), "granted")
        self.assertFalse(self.Current.search([("partner_id", "=", merged.id)]))
        self.assert_same_as_ledger([self.env.cr.now()], "merged")

    # the ORM's own web_read (super() of the model's override) is the reference of the comparison
    def test_the_form_reads_the_rows_as_the_orm_does(self):  # pylint: disable=missing-return
        """The consent list of the contact form (one query for the rows) gives what the ORM gives."""
        first, second = self.people[0], self.people[1]
        self.record("grant", partner=first, channel=self.email, occurred_at=self.env.cr.now() - 2 * DAY)
        self.record("refuse", partner=first, purpose=self.service, channel=self.sms)
        self.record("pending", partner=second, channel=self.email, confirm_deadline=self.env.cr.now() + DAY)
        State = self.env["customer.consent.state"].with_user(self.user_sales)
        rows = State.search([("partner_id", "in", (first | second).ids)])
        self.assertEqual(len(rows), 3)
        specs = [
            {
                "purpose_id": {"fields": {"display_name": {}}},
                "channel_id": {"fields": {"display_name": {}}},
                "state": {},
                "decided_at": {},
                "expires_at": {},
            },
            {"partner_id": {}, "purpose_id": {"fields": {}}, "pending_event_id": {}, "state": {}},
        ]
        for spec in specs:
            with self.subTest(spec=sorted(spec)):
                self.assertIsNotNone(rows._ci_web_read_rows(spec))
                rows.invalidate_model()
                orm = super(CustomerConsentState, rows).web_read(spec)  # pylint: disable=super-method-mismatch
                self.assertEqual(rows.web_read(spec), orm)
        # what the shortcut does not serve goes the ORM's way
        self.assertIsNone(rows._ci_web_read_rows({"is_marketing": {}}))
        self.assertIsNone(rows._ci_web_read_rows({"purpose_id": {"fields": {"code": {}}}}))
        # a partner's form: the rows of its contacts only, as before
        values = (first | second).with_user(self.user_sales).web_read(
            {"ci_consent_state_ids": {"fields": specs[0]}}
        )
        self.assertEqual([len(v["ci_consent_state_ids"]) for v in values], [2, 1])
        self.assertEqual(
            sorted(row["state"] for v in values for row in v["ci_consent_state_ids"]),
            ["granted", "pending", "refused"],
        )
