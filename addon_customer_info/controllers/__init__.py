# ruff: noqa: F401  (Odoo loads the modules listed here, in this order)
from . import customer_consent
