import datetime

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_sensitive_fields import MODULE, MUTED, SensitiveDataCase

D = datetime.date
PARTNER_MANAGER = "base.group_partner_manager"
INTEGRATION = f"{MODULE}.group_customer_info_integration"
PERMS = ("perm_read", "perm_write", "perm_create", "perm_unlink")
CHANGES = ("perm_write", "perm_create", "perm_unlink")


@tagged("post_install", "-at_install", "security")
class TestAccessRights(SensitiveDataCase):
    """What the access rows and record rules grant, read from the rows themselves and tried
    with ``with_user``: nothing silently, nothing to everyone, sensitive rows to their groups."""

    def addon_models(self):
        """The concrete models the addon defines (not those it only extends)."""
        return sorted(
            name
            for name, model in self.env.registry.items()
            if model._original_module == MODULE and not model._abstract
        )

    def addon_access_rows(self):
        """The access rows the addon ships (by their XML ids)."""
        data = self.env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", "ir.model.access")])
        return self.env["ir.model.access"].browse(data.mapped("res_id")).exists()

    # ------------------------------------------------------------
    # 1. contacts: Odoo's own rights, visibly, the integration explicitly
    # ------------------------------------------------------------

    def test_contact_rights_come_from_contacts_not_from_hidden_rows(self):
        partner_rows = self.addon_access_rows().filtered(lambda row: row.model_id.model == "res.partner")
        granting = partner_rows.filtered(lambda row: row.perm_write or row.perm_create or row.perm_unlink)
        self.assertEqual(
            granting.group_id,
            self.env.ref(INTEGRATION),
            "only the sync worker's group changes contacts through a row of the addon; "
            "everyone else edits contacts with Contacts / Creation",
        )
        self.assertFalse(any(row.perm_unlink for row in granting), "the sync worker never deletes contacts")
        # editing levels imply Contacts / Creation, which the user form shows
        manager = self.env.ref(PARTNER_MANAGER)
        for level in ("user", "manager", "credit_manager", "sensitive", "admin"):
            group = self.env.ref(f"{MODULE}.group_customer_info_{level}")
            self.assertIn(manager, group.all_implied_ids, level)
        self.assertNotIn(manager, self.env.ref(INTEGRATION).all_implied_ids)
        self.assertTrue(self.user_sales.has_group(PARTNER_MANAGER))
        self.assertFalse(self.user_plain.has_group(PARTNER_MANAGER))

    @mute_logger(*MUTED)
    def test_salespeople_edit_contacts_and_the_sync_worker_keeps_its_rights(self):
        Partner = self.Partner.with_user(self.user_sales)
        created = Partner.create({"name": "Suzhou Silk Works", "is_company": True})
        created.write({"name": "苏州丝绸厂"})
        self.assertEqual(created.name, "苏州丝绸厂")
        worker = new_test_user(self.env, login="ci_worker_acl", groups=INTEGRATION)
        self.assertFalse(worker.has_group(PARTNER_MANAGER))
        Synced = self.Partner.with_user(worker)
        synced = Synced.create({"name": "Ningbo Port Logistics", "is_company": True})
        synced.write({"city": "宁波"})
        self.assertEqual(synced.city, "宁波")
        with self.assertRaises(AccessError):
            synced.unlink()
        with self.assertRaises(AccessError):
            self.env["res.partner.category"].with_user(worker).create({"name": "Imported"})

    # ------------------------------------------------------------
    # 2. deny by default
    # ------------------------------------------------------------

    def test_deny_by_default(self):
        rows = self.addon_access_rows()
        everyone = rows.filtered(lambda row: not row.group_id)
        for row in everyone:
            self.assertFalse(
                any(row[perm] for perm in CHANGES),
                f"{row.name}: a row without a group lets every user change {row.model_id.model}",
            )
        covered = set(rows.mapped("model_id.model"))
        for name in self.addon_models():
            self.assertIn(name, covered, f"{name} has no access row: nobody but the superuser may use it")
        # the addon's rows grant what they grant to the addon's groups, and to no other group
        ours = self.env["res.groups"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", MODULE), ("model", "=", "res.groups")])
            .mapped("res_id")
        )
        for row in rows.filtered("group_id"):
            self.assertIn(row.group_id, ours, row.name)
        # and on models of other modules, they change nothing but the integration's contacts
        addon_models = set(self.addon_models())
        foreign = rows.filtered(lambda row: row.model_id.model not in addon_models)
        for row in foreign:
            self.assertEqual(
                (row.model_id.model, row.group_id), ("res.partner", self.env.ref(INTEGRATION)), row.name
            )

    # ------------------------------------------------------------
    # 3. sensitive rows: who cannot read them cannot delete them; own customers only
    # ------------------------------------------------------------

    @mute_logger(*MUTED)
    def test_sensitive_rows_are_changed_by_the_sensitive_groups_only(self):
        # company_cn is user_sales's customer; its contact person's rows are theirs to read
        date_cn = self.env["customer.important.date"].create(
            {"partner_id": self.person_cn.id, "kind": "birthday", "date": D(1982, 3, 9)}
        )
        career_cn = self.env["customer.career"].create(
            {"partner_id": self.person_cn.id, "employer_name": "Huawei"}
        )
        # the salesperson and the manager read the rows, credit managers and privacy officers
        # not even that (not their customer); none of them changes them
        for user in (self.user_sales, self.user_manager, self.user_credit, self.user_privacy):
            for record in (date_cn, career_cn):
                record = record.with_user(user)
                if user in (self.user_sales, self.user_manager):
                    self.assertTrue(record.read(["partner_id"]), f"{user.login} reads the row")
                with self.assertRaises(AccessError, msg=f"{user.login} deletes {record._name}"):
                    record.unlink()
                with self.assertRaises(AccessError, msg=f"{user.login} writes {record._name}"):
                    record.write({"partner_id": self.person_free.id})
            with self.assertRaises(AccessError, msg=f"{user.login} creates a date"):
                self.env["customer.important.date"].with_user(user).create(
                    {"partner_id": self.person_cn.id, "kind": "birthday", "date": D(1990, 1, 1)}
                )
            with self.assertRaises(AccessError, msg=f"{user.login} creates a career entry"):
                self.env["customer.career"].with_user(user).create(
                    {"partner_id": self.person_cn.id, "employer_name": "ZTE"}
                )
        self.assertTrue(date_cn.exists() and career_cn.exists())

    @mute_logger(*MUTED)
    def test_own_customers_level_changes_its_own_customers_rows_only(self):
        for user in (self.user_sens, self.user_sens_manager):
            for record in (self.birthday_de, self.career_de):
                with self.assertRaises(AccessError, msg=f"{user.login} deletes another's {record._name}"):
                    record.with_user(user).unlink()
            with self.assertRaises(AccessError, msg=f"{user.login} moves another's row"):
                self.career_de.with_user(user).write({"partner_id": self.person_own.id})
            with self.assertRaises(AccessError, msg=f"{user.login} adds to another's customer"):
                self.env["customer.career"].with_user(user).create(
                    {"partner_id": self.person_de.id, "employer_name": "Bosch"}
                )
        self.assertTrue(self.birthday_de.exists() and self.career_de.exists())
        # their own customers' rows are theirs
        Career = self.env["customer.career"].with_user(self.user_sens)
        added = Career.create({"partner_id": self.person_own.id, "employer_name": "NetEase"})
        added.write({"job_title": "Buyer"})
        (added | self.career_own.with_user(self.user_sens)).unlink()
        self.birthday_own.with_user(self.user_sens).unlink()
        self.assertFalse(self.career_own.exists() or self.birthday_own.exists())
        # the All Customers level changes everybody's
        self.career_de.with_user(self.user_sens_all).write({"job_title": "Einkäufer"})
        self.career_de.with_user(self.user_sens_all).unlink()
        self.birthday_de.with_user(self.user_sens_all).unlink()
        self.assertFalse(self.career_de.exists() or self.birthday_de.exists())
