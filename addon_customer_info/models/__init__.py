# ruff: noqa: F401, I001  (Odoo loads the modules listed here, in this order)
from . import customer_classification_mixin
from . import customer_type
from . import customer_nature
from . import customer_source
from . import customer_level
from . import customer_region
from . import res_partner
from . import customer_hobby
from . import customer_career
from . import customer_important_date
from . import customer_relation_type
from . import customer_relation
from . import customer_activity_type
from . import customer_activity
from . import customer_credit_scale
from . import customer_credit_grade
from . import customer_credit_rating
