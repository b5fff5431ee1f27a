"""The safe merge of any number of contacts and its undo (issue 12, items 4 and 5)."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL, mute_logger

from .common import CustomerInfoCommon

MODULE = "addon_customer_info"
MUTED = ("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule", "odoo.models")
NEW_ROWS_ALLOWED = frozenset(
    {"mail.message", "mail.notification", "mail.tracking.value", "customer.audit.log"}
)
"""Rows a merge and its undo add about the contacts: their notes in the chatter and the audit log."""
JOURNAL = frozenset({"customer.merge.journal", "customer.merge.journal.line"})


@tagged("post_install", "-at_install")
class TestPartnerMerge(CustomerInfoCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        Partner = cls.Partner
        cls.tag_vip = cls.env["res.partner.category"].create({"name": "VIP (merge test)"})
        cls.tag_cn = cls.env["res.partner.category"].create({"name": "China (merge test)"})
        cls.survivor = Partner.create({
            "name": "Hangzhou Tea Trading Co.", "is_company": True, "email": "sales@hztea.example.cn",
            "category_id": [(6, 0, cls.tag_vip.ids)],
        })
        cls.dup_a = Partner.create({
            "name": "Hangzhou Tea Trading", "is_company": True, "email": "info@hztea.example.cn",
            "phone": "+86 571 8888 0001", "category_id": [(6, 0, (cls.tag_vip | cls.tag_cn).ids)],
            "vat": "91330100MA2H0XYZ1K",
        })
        cls.dup_b = Partner.create({"name": "杭州茶叶贸易", "is_company": True, "city": "杭州"})
        cls.dup_c = Partner.create({"name": "HZ Tea", "is_company": True, "website": "https://hztea.example.cn"})
        cls.group = cls.survivor | cls.dup_a | cls.dup_b | cls.dup_c
        cls.person_a = Partner.create(
            {"name": "钱芳", "parent_id": cls.dup_a.id, "email": "qian@hztea.example.cn"}
        )
        cls.outsider = Partner.create({"name": "Ningbo Logistics", "is_company": True})
        cls.env["customer.activity"].create({
            "name": "Tasting visit", "type_id": ref(f"{MODULE}.customer_activity_type_meeting").id,
            "partner_id": cls.dup_b.id,
        })
        cls.env["customer.relation"].create({
            "left_partner_id": cls.dup_c.id, "right_partner_id": cls.outsider.id,
            "type_id": ref(f"{MODULE}.customer_relation_type_subsidiary").id,
        })
        cls.env["customer.credit.rating"].create({
            "partner_id": cls.dup_c.id, "scale_id": ref(f"{MODULE}.customer_credit_scale_standard").id,
            "grade_id": ref(f"{MODULE}.customer_credit_grade_aa").id, "reason": "年度评审",
        })
        cls.purpose_marketing = ref(f"{MODULE}.customer_consent_purpose_marketing")
        cls.purpose_service = ref(f"{MODULE}.customer_consent_purpose_service")
        cls.email = ref(f"{MODULE}.customer_consent_channel_email")
        # the same partner follows two of the contacts: an identical follower row once merged
        cls.dup_a.message_subscribe(cls.outsider.ids)
        cls.survivor.message_subscribe(cls.outsider.ids)
        cls.dup_a.message_post(body="Called about the spring order", subtype_xmlid="mail.mt_note")
        cls.dup_b.activity_schedule("mail.mail_activity_data_todo", summary="Send the catalogue")
        cls.env["customer.field.provenance"].sudo().create({
            "partner_id": cls.dup_b.id, "field_name": "city", "value": "杭州", "trust": 50,
            "observed_at": "2026-01-05 10:00:00", "state": "applied",
        })
        cls.Journal = cls.env["customer.merge.journal"]

    # ------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------

    def consent(self, partner, action, purpose=None, occurred_at=None, **values):
        vals = {
            "partner_id": partner.id, "purpose_id": (purpose or self.purpose_marketing).id,
            "channel_id": self.email.id, "action": action, "source": "manual", **values,
        }
        if action == "grant":
            vals.setdefault("legal_basis", "consent")
        if occurred_at:
            vals["occurred_at"] = occurred_at
        return self.env["customer.consent.event"].create(vals)

    def partner_fields(self):
        """Every stored many2one and many2many field to contacts of the installed modules, but the
        consent ledger's current state (derived from the events, recomputed rather than moved)."""
        found = []
        for name, model in self.env.registry.items():
            if model._abstract or not model._auto or model._transient or name == "customer.consent.current":
                continue
            for field in model._fields.values():
                if (
                    field.store and field.comodel_name == "res.partner"
                    and field.type in ("many2one", "many2many")
                ):
                    found.append((name, field))
        return found

    def snapshot(self, partners):
        """What points to ``partners`` (every many2one, many2many and res_model/res_id row) and
        their own stored values."""
        ids = tuple(partners.ids)
        rows = {}
        cr = self.env.cr
        self.env.flush_all()
        for model_name, field in self.partner_fields():
            model = self.env[model_name]
            if field.type == "many2one":
                cr.execute(SQL(
                    "SELECT id, %s FROM %s WHERE %s IN %s",
                    SQL.identifier(field.name), SQL.identifier(model._table), SQL.identifier(field.name), ids,
                ))
                for row_id, value in cr.fetchall():
                    if model_name == "res.partner" and row_id in ids:
                        continue
                    rows[(model_name, field.name, row_id)] = value
            else:
                cr.execute(SQL(
                    "SELECT %s, %s FROM %s WHERE %s IN %s",
                    SQL.identifier(field.column1), SQL.identifier(field.column2),
                    SQL.identifier(field.relation), SQL.identifier(field.column2), ids,
                ))
                for owner, value in cr.fetchall():
                    rows[(field.relation, owner, value)] = value
        for model_name, res_model_col in (
            ("mail.message", "model"), ("mail.followers", "res_model"), ("mail.activity", "res_model"),
            ("ir.attachment", "res_model"),
        ):
            table = self.env[model_name]._table
            cr.execute(SQL(
                "SELECT id, res_id FROM %s WHERE %s = 'res.partner' AND res_id IN %s",
                SQL.identifier(table), SQL.identifier(res_model_col), ids,
            ))
            for row_id, value in cr.fetchall():
                rows[(model_name, "res_id", row_id)] = value
        names = self.Journal._value_fields()
        values = {p.id: p.read(names)[0] for p in partners.sudo().with_context(active_test=False)}
        return rows, values

    def merge(self, partners, survivor, user=None, values=None):
        Journal = self.Journal.with_user(user or self.user_manager)
        return Journal._merge(partners.with_env(Journal.env), survivor.with_env(Journal.env), values)

    # ------------------------------------------------------------
    # the merge
    # ------------------------------------------------------------

    def test_merge_of_four_moves_everything_and_archives(self):
        before_rows, _values = self.snapshot(self.group)
        pointing = [key for key, value in before_rows.items() if value in (self.group - self.survivor).ids]
        self.assertGreater(len(pointing), 10)
        journal = self.merge(self.group, self.survivor)

        self.assertEqual(journal.state, "done")
        self.assertEqual(journal.partner_ids, self.dup_a | self.dup_b | self.dup_c)
        sources = self.group - self.survivor
        self.assertFalse(any(sources.with_context(active_test=False).mapped("active")), "archived")
        self.assertTrue(sources.with_context(active_test=False).exists(), "never deleted")
        after_rows, _values = self.snapshot(self.group)
        for key, value in after_rows.items():
            if self.link_model(key[0]) in NEW_ROWS_ALLOWED | JOURNAL:
                continue
            self.assertNotIn(value, sources.ids, f"{key} still points to a merged contact")
        # many2one: the contact person, the activity, the relation, the rating, the provenance
        self.assertEqual(self.person_a.parent_id, self.survivor)
        self.assertEqual(self.person_a.commercial_partner_id, self.survivor)
        Activity = self.env["customer.activity"]
        self.assertEqual(Activity.search_count([("partner_id", "=", self.survivor.id)]), 1)
        self.assertEqual(self.survivor.ci_relation_count, 1)
        self.assertEqual(len(self.survivor.ci_credit_rating_ids), 1)
        self.assertEqual(self.survivor.sudo().ci_provenance_ids.mapped("value"), ["杭州"])
        # many2many: both tags, the duplicate VIP set aside
        self.assertEqual(self.survivor.category_id, self.tag_vip | self.tag_cn)
        # chatter, activities, followers (one follower row for the outsider)
        self.assertIn("spring order", " ".join(self.survivor.message_ids.mapped("body")))
        self.assertIn("Send the catalogue", self.survivor.activity_ids.mapped("summary"))
        followers = self.survivor.message_follower_ids.filtered(lambda f: f.partner_id == self.outsider)
        self.assertEqual(len(followers), 1)
        # identifiers: the merged e-mail and tax id now lead to the survivor
        holders = self.env["customer.partner.identifier"]._holders(
            [("email", "info@hztea.example.cn"), ("uscc", "91330100MA2H0XYZ1K")]
        )
        self.assertEqual(set(holders.values()), {self.survivor})
        # the survivor's empty fields are filled; its own values stay
        self.assertEqual(self.survivor.email, "sales@hztea.example.cn")
        self.assertEqual(self.survivor.phone, "+86 571 8888 0001")
        self.assertEqual(self.survivor.city, "杭州")
        self.assertEqual(self.survivor.website, "https://hztea.example.cn")
        # the journal says what moved and what changed
        kinds = set(journal.line_ids.mapped("kind"))
        self.assertLessEqual({"move", "drop", "value"}, kinds)
        self.assertGreaterEqual(journal.moved_count, len(pointing) - 2)
        phone = journal.line_ids.filtered(lambda line: line.kind == "value" and line.field_name == "phone")
        self.assertEqual((phone.old_display, phone.new_display), ("", "+86 571 8888 0001"))
        # audited, and the managers' menu and the contact's button lead to it
        log = self.env["customer.audit.log"].search([("event", "=", "merge")], limit=1)
        self.assertEqual(set(log.with_context(active_test=False).partner_ids.ids), set(self.group.ids))
        self.assertEqual(self.survivor.with_user(self.user_manager).ci_merge_count, 1)
        action = self.survivor.with_user(self.user_manager).action_ci_view_merges()
        self.assertEqual(self.Journal.with_user(self.user_manager).search(action["domain"]), journal)

    def test_every_field_to_contacts_is_moved(self):
        """A new module's many2one or many2many to res.partner cannot be forgotten: every one of the
        installed modules' fields is among the references the merge moves."""
        covered = {(ref["table"], ref["column"]) for ref in self.Journal._references()}
        for model_name, field in self.partner_fields():
            model = self.env[model_name]
            if model._table in ("customer_merge_journal", "customer_merge_journal_line"):
                continue
            if field.type == "many2one":
                key = (model._table, field.name)
            else:
                key = (field.relation, field.column2)
            with self.subTest(model=model_name, field=field.name):
                self.assertIn(key, covered)

    @mute_logger(*MUTED)
    def test_unique_clash_refuses_naming_the_constraint_and_changes_nothing(self):
        channel = self.env["discuss.channel"].create({"name": "Tea buyers", "channel_type": "channel"})
        channel._add_members(partners=self.survivor | self.dup_a)
        Member = self.env["discuss.channel.member"]
        members = Member.search([("channel_id", "=", channel.id)])
        before = self.snapshot(self.group)
        with self.assertRaises(UserError) as caught:
            self.merge(self.group, self.survivor)
        message = str(caught.exception)
        self.assertIn("discuss_channel_member_partner_unique", message)
        self.assertIn("Hangzhou Tea Trading", message)
        self.assertEqual(self.snapshot(self.group), before, "nothing changed")
        self.assertFalse(self.Journal.sudo().search([]))
        self.assertTrue(self.dup_a.active)
        self.assertEqual(Member.search([("channel_id", "=", channel.id)]), members)
        self.assertEqual((members.partner_id & self.group), self.survivor | self.dup_a)

    def test_a_rule_of_a_moved_row_refuses_the_merge(self):
        """A relation between two of the merged contacts would relate the survivor to itself."""
        relation = self.env["customer.relation"].create({
            "left_partner_id": self.survivor.id, "right_partner_id": self.dup_b.id,
            "type_id": self.env.ref(f"{MODULE}.customer_relation_type_business_partner").id,
        })
        before = self.snapshot(self.group)
        with self.assertRaises(UserError) as caught:
            self.merge(self.group, self.survivor)
        self.assertIn("cannot be related to itself", str(caught.exception))
        self.assertEqual(self.snapshot(self.group), before, "nothing changed")
        self.assertEqual(relation.right_partner_id, self.dup_b)

    @mute_logger(*MUTED)
    def test_only_managers_merge(self):
        with self.assertRaises(AccessError):
            self.merge(self.group, self.survivor, user=self.user_sales)
        with self.assertRaises(AccessError):
            self.env["base.partner.merge.automatic.wizard"].with_user(self.user_sales)._merge(
                self.group.ids, self.survivor
            )
        self.assertTrue(self.dup_a.active)
        with self.assertRaises(AccessError):
            self.Journal.with_user(self.user_sales).search([])
        menu = self.env.ref(f"{MODULE}.menu_customer_merge_journal")
        self.assertEqual(menu.group_ids, self.env.ref(f"{MODULE}.group_customer_info_manager"))

    def test_consent_strictest_wins(self):
        # the duplicate withdrew marketing by e-mail; the survivor granted it later
        self.consent(self.dup_a, "grant", occurred_at="2026-01-01 09:00:00")
        self.consent(self.dup_a, "withdraw", occurred_at="2026-02-01 09:00:00")
        self.consent(self.survivor, "grant", occurred_at="2026-03-01 09:00:00")
        # a refusal of the service purpose on another duplicate, and the survivor's later grant
        self.consent(self.dup_b, "refuse", purpose=self.purpose_service, occurred_at="2026-01-10 09:00:00")
        self.consent(self.survivor, "grant", purpose=self.purpose_service, occurred_at="2026-03-10 09:00:00",
                     legal_basis="contract")
        Event = self.env["customer.consent.event"]
        self.assertEqual(Event._state(self.survivor, self.purpose_marketing, self.email), "granted")
        self.assertFalse(self.env["mail.blacklist"].search([("email", "=", "sales@hztea.example.cn")]))
        journal = self.merge(self.group, self.survivor)
        self.assertEqual(Event._state(self.survivor, self.purpose_marketing, self.email), "withdrawn")
        self.assertEqual(Event._state(self.survivor, self.purpose_service, self.email), "refused")
        # the whole ledger moved with the contacts, and the blacklist follows
        self.assertEqual(len(self.survivor.ci_consent_event_ids), 7)
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", "sales@hztea.example.cn")]))
        created = journal.line_ids.filtered(lambda line: line.kind == "create")
        self.assertEqual(len(created), 2)
        # undo: the survivor's own consent is as it was, the blacklist too
        journal.with_user(self.user_manager).action_undo()
        self.assertEqual(Event._state(self.survivor, self.purpose_marketing, self.email), "granted")
        self.assertEqual(Event._state(self.dup_a, self.purpose_marketing, self.email), "withdrawn")
        self.assertEqual(Event._state(self.dup_b, self.purpose_service, self.email), "refused")
        self.assertFalse(self.env["mail.blacklist"].search([("email", "=", "sales@hztea.example.cn")]))

    def test_no_withdrawal_is_recorded_when_the_survivor_is_strictest(self):
        self.consent(self.dup_a, "grant", occurred_at="2026-01-01 09:00:00")
        self.consent(self.survivor, "withdraw", occurred_at="2026-02-01 09:00:00")
        journal = self.merge(self.survivor | self.dup_a, self.survivor)
        Event = self.env["customer.consent.event"]
        self.assertEqual(Event._state(self.survivor, self.purpose_marketing, self.email), "withdrawn")
        self.assertFalse(journal.line_ids.filtered(lambda line: line.kind == "create"))

    def test_odoo_merge_wizard_goes_through_the_safe_merge(self):
        """Odoo's own Merge action (the contacts' Action menu), with more than three contacts."""
        wizard_form = Form(
            self.env["base.partner.merge.automatic.wizard"].with_user(self.user_manager).with_context(
                active_model="res.partner", active_ids=self.group.ids
            )
        )
        wizard_form.dst_partner_id = self.survivor.with_user(self.user_manager)
        wizard = wizard_form.save()
        wizard.action_merge()
        journal = self.Journal.search([("survivor_id", "=", self.survivor.id)])
        self.assertEqual(len(journal), 1)
        self.assertEqual(journal.partner_ids, self.group - self.survivor)
        self.assertTrue((self.group - self.survivor).with_context(active_test=False).exists(), "not deleted")
        self.assertEqual(self.survivor.category_id, self.tag_vip | self.tag_cn)

    # ------------------------------------------------------------
    # undo
    # ------------------------------------------------------------

    def test_undo_restores_exactly(self):
        self.consent(self.dup_a, "withdraw", occurred_at="2026-02-01 09:00:00")
        before_rows, before_values = self.snapshot(self.group)
        journal = self.merge(self.group, self.survivor)
        self.assertNotEqual(self.snapshot(self.group)[0], before_rows)
        journal.with_user(self.user_manager).action_undo()
        self.assertEqual(journal.state, "undone")
        self.assertEqual(journal.undone_by_id, self.user_manager)
        after_rows, after_values = self.snapshot(self.group)
        self.assertEqual(after_values, before_values, "every value of the contacts is as it was")
        for key, value in before_rows.items():
            self.assertEqual(after_rows.get(key), value, key)
        new = set(after_rows) - set(before_rows)
        self.assertLessEqual({self.link_model(key[0]) for key in new}, NEW_ROWS_ALLOWED | JOURNAL, new)
        self.assertTrue(self.dup_a.active)
        self.assertEqual(self.dup_a.category_id, self.tag_vip | self.tag_cn)
        self.assertEqual(self.survivor.category_id, self.tag_vip)
        self.assertEqual(self.person_a.commercial_partner_id, self.dup_a)
        holders = self.env["customer.partner.identifier"]._holders([("email", "info@hztea.example.cn")])
        self.assertEqual(set(holders.values()), {self.dup_a})
        log = self.env["customer.audit.log"].search([("event", "=", "merge_undo")], limit=1)
        self.assertTrue(log)
        with self.assertRaises(UserError):
            journal.with_user(self.user_manager).action_undo()

    def link_model(self, name):
        """The model of a many2many link table (the snapshot's keys name the table)."""
        return {
            "customer_audit_log_res_partner_rel": "customer.audit.log",
            "mail_message_res_partner_rel": "mail.message",
            "customer_merge_journal_res_partner_rel": "customer.merge.journal",
        }.get(name, name)

    def test_undo_refused_after_a_second_merge(self):
        journal = self.merge(self.group, self.survivor)
        other = self.Partner.create({"name": "Hangzhou Tea (old list)", "is_company": True})
        second = self.merge(self.survivor | other, self.survivor)
        with self.assertRaises(UserError) as caught:
            journal.with_user(self.user_manager).action_undo()
        self.assertIn("merged again", str(caught.exception))
        self.assertEqual(journal.state, "done")
        # the later merge first, then this one
        second.with_user(self.user_manager).action_undo()
        journal.with_user(self.user_manager).action_undo()
        self.assertTrue(self.dup_c.active)

    def test_undo_refused_when_a_value_changed_since(self):
        journal = self.merge(self.group, self.survivor)
        self.survivor.write({"phone": "+86 571 0000 0000"})
        with self.assertRaises(UserError) as caught:
            journal.with_user(self.user_manager).action_undo()
        self.assertIn("changed since the merge", str(caught.exception))
        self.assertFalse(self.dup_a.active)

    def test_a_merged_contact_cannot_be_merged_again(self):
        self.merge(self.group, self.survivor)
        with self.assertRaises(UserError):
            self.merge(self.dup_a | self.outsider, self.outsider)
