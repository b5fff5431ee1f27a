import base64
import hashlib

from .common import CustomerInfoCommon


class SyncCommon(CustomerInfoCommon):
    """Sources and runs for the sync tests, on top of the users of ``CustomerInfoCommon``.

    user_worker ... the shipped Customer Sync Worker (Customer Information / Integration only)
    source ........ "Leads 2026 Q4", a purchased list with a mapping, trust and a secret
    source_registry "Company Registry", a registry source
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_worker = cls.env.ref("addon_customer_info.user_customer_sync_worker")
        cls.Source = cls.env["customer.sync.source"]
        cls.Run = cls.env["customer.sync.run"]
        cls.Api = cls.env["customer.sync.api"]
        # runs of the database outside these tests must not be claimed by them
        cls.Run.search([("state", "in", ("queued", "running"))])._as_system().write({"state": "cancelled"})
        cls.source = cls.Source.create(
            {
                "name": "Leads 2026 Q4",
                "type": "purchased_list",
                "vendor": "ACME Data",
                "purchase_ref": "PO-1182",
                "default_trust": 40,
                "credentials": "s3cr3t-api-key",
                "legal_basis": "legitimate_interest",
                "mapping_line_ids": [
                    (0, 0, {"header": "公司名称", "field": "name"}),
                    (0, 0, {"header": "手机", "field": "mobile"}),
                ],
                "trust_line_ids": [(0, 0, {"field": "email", "trust": 60})],
            }
        )
        cls.source_registry = cls.Source.create({"name": "Company Registry", "type": "registry"})

    @classmethod
    def queue_run(
        cls, source=None, content=b"\xe5\x85\xac\xe5\x8f\xb8\xe5\x90\x8d\xe7\xa7\xb0\n", name="leads.csv"
    ):
        """A queued run of ``source`` (the list by default) with ``content`` as its file."""
        run = cls.Run._create_queued(source or cls.source, trigger="button")
        if content is not None:
            run._attach_file(name, content)
        return run

    @staticmethod
    def sha256(content):
        return hashlib.sha256(content).hexdigest()

    @staticmethod
    def b64(content):
        return base64.b64encode(content).decode("ascii")
