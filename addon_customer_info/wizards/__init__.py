# ruff: noqa: F401, I001  (Odoo loads the modules listed here, in this order)
from . import customer_consent_wizard
from . import customer_data_subject_export
from . import customer_partner_anonymise
from . import customer_sync_upload
from . import customer_sync_upload_line
from . import base_partner_merge_automatic_wizard
