import datetime
import doctest
import sys

from odoo.tests import BaseCase, tagged

from ..tools import (  # noqa: TID252 (pylint-odoo wants relative imports)
    classification,
    classify_prospect,
    completeness,
    dates,
    next_occurrence,
    periods_overlap,
)

D = datetime.date


@tagged("post_install", "-at_install")
class TestTools(BaseCase):
    """The pure helpers, including their doctests, and that they stay free of Odoo."""

    def test_doctests(self):
        for module in (classification, completeness, dates):
            failed, attempted = doctest.testmod(module)
            self.assertGreater(attempted, 0, module.__name__)
            self.assertEqual(failed, 0, module.__name__)

    def test_tools_do_not_import_odoo(self):
        for module in (classification, completeness, dates):
            source = sys.modules[module.__name__].__loader__.get_source(module.__name__)
            self.assertNotIn("import odoo", source)
            self.assertNotIn("from odoo", source)

    def test_classify_prospect_rejects_unknown_levels(self):
        with self.assertRaises(ValueError):
            classify_prospect("huge", "high")

    def test_classify_prospect_full_matrix(self):
        expected = {
            ("high", "high"): "target", ("medium", "medium"): "target", ("high", "medium"): "target",
            ("high", "low"): "potential", ("medium", "none"): "potential", ("high", False): "potential",
            ("low", "high"): "potential", (None, "medium"): "potential",
            ("low", "low"): None, ("none", None): None, (None, None): None,
        }
        for (intent, power), result in expected.items():
            self.assertEqual(classify_prospect(intent, power), result, (intent, power))

    def test_next_occurrence_leap_day_and_one_off(self):
        self.assertEqual(next_occurrence(D(2000, 2, 29), D(2028, 1, 1)), D(2028, 2, 29))
        self.assertEqual(next_occurrence(D(2000, 2, 29), D(2027, 3, 1)), D(2028, 2, 29))
        self.assertEqual(next_occurrence(D(2030, 6, 1), D(2026, 1, 1), yearly=False), D(2030, 6, 1))

    def test_periods_overlap(self):
        self.assertTrue(periods_overlap(None, D(2020, 1, 1), D(2019, 1, 1), None))
        self.assertFalse(periods_overlap(None, D(2020, 1, 1), D(2020, 1, 2), None))
        self.assertTrue(periods_overlap(D(2020, 1, 1), D(2020, 1, 1), D(2020, 1, 1), D(2020, 1, 1)))
