# ruff: noqa: F401, I001  (Odoo loads the modules listed here, in this order)
from . import test_tools
from . import test_classification
from . import test_contact_person
from . import test_customer_relation
from . import test_customer_activity
from . import test_credit_rating
from . import test_data_quality
from . import test_analysis
from . import test_security
from . import test_consent_ledger
from . import test_consent_double_opt_in
from . import test_consent_security
from . import test_consent_controller
from . import test_consent_ui
from . import test_translation
from . import test_ui
