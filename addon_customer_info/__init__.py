# ruff: noqa: F401, I001  (Odoo loads the modules listed here, in this order)
from . import models
from . import wizards
from . import controllers
