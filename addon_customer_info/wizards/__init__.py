# ruff: noqa: F401, I001  (Odoo loads the modules listed here, in this order)
from . import customer_consent_wizard
from . import customer_data_subject_export
from . import customer_partner_anonymise
