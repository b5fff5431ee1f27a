# ruff: noqa: F401, I001  (Odoo loads the modules listed here, in this order)
from . import customer_consent
from . import customer_export
from . import customer_webform
