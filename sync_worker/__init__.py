"""Customer information sync worker: feeds addon_customer_info in Odoo 19."""

__version__ = "0.1.0"
