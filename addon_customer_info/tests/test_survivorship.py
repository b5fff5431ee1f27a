import doctest
import sys

from odoo.tests import BaseCase, tagged

from ..tools import identifiers, survivorship  # noqa: TID252 (pylint-odoo wants relative imports)
from ..tools.survivorship import MANUAL_TRUST, Verdict, decide  # noqa: TID252


@tagged("post_install", "-at_install")
class TestSurvivorship(BaseCase):
    """The pure survivorship rules and identifier forms of the batch apply."""

    def test_doctests(self):
        for module in (survivorship, identifiers):
            failed, attempted = doctest.testmod(module)
            self.assertGreater(attempted, 0, module.__name__)
            self.assertEqual(failed, 0, module.__name__)

    def test_pure(self):
        for module in (survivorship, identifiers):
            source = sys.modules[module.__name__].__loader__.get_source(module.__name__)
            self.assertNotIn("import odoo", source)
            self.assertNotIn("from odoo", source)

    def test_a_source_never_blanks(self):
        for blank in (None, False, "", "   "):
            for current_trust in (None, 0, 40, MANUAL_TRUST, 100):
                self.assertEqual(decide("email", "a@x.cn", current_trust, blank, 100), Verdict.SKIP_BLANK)

    def test_empty_fields_are_filled_whatever_the_trust(self):
        self.assertEqual(decide("phone", None, MANUAL_TRUST, "+86 1", 0), Verdict.APPLY)
        self.assertEqual(decide("phone", "", 100, "+86 1", 0), Verdict.APPLY)

    def test_equal_after_normalisation_is_unchanged(self):
        self.assertEqual(decide("email", "Sales@Tenda.CN", 10, " sales@tenda.cn", 90), Verdict.UNCHANGED)
        self.assertEqual(decide("phone", "+86 755-8888 1234", 10, "+8675588881234", 90), Verdict.UNCHANGED)
        self.assertEqual(decide("name", "腾达　科技", 10, "腾达 科技", 90), Verdict.UNCHANGED)
        self.assertEqual(decide("country_id", 48, 10, 48, 90), Verdict.UNCHANGED)

    def test_trust_decides_between_different_values(self):
        self.assertEqual(decide("phone", "1", 40, "2", 40), Verdict.APPLY, "equal trust overwrites")
        self.assertEqual(decide("phone", "1", 40, "2", 60), Verdict.APPLY)
        self.assertEqual(decide("phone", "1", 60, "2", 40), Verdict.KEEP_AS_OBSERVATION)

    def test_a_manual_edit_counts_80_and_unknown_origin_counts_as_manual(self):
        for current_trust in (MANUAL_TRUST, None):
            self.assertEqual(decide("phone", "1", current_trust, "2", 79), Verdict.KEEP_AS_OBSERVATION)
            self.assertEqual(decide("phone", "1", current_trust, "2", 80), Verdict.APPLY)
        self.assertEqual(MANUAL_TRUST, 80)

    def test_trust_out_of_range_is_refused(self):
        for trust in (-1, 101, 40.5, True, "40"):
            with self.assertRaises(ValueError):
                decide("phone", "1", None, "2", trust)

    def test_identifier_forms_match_the_worker(self):
        self.assertEqual(identifiers.normalise("uscc", "9111 0108-5513 8508 2q"), "91110108551385082Q")
        self.assertEqual(identifiers.normalise("vat", "de 136 695 976"), "DE136695976")
        self.assertEqual(identifiers.normalise("email", "Wang.Wei@Example.COM"), "wang.wei@example.com")
        self.assertEqual(identifiers.vat_kind("9111 0108 5513 8508 2Q"), "uscc")
        self.assertEqual(
            identifiers.vat_kind("91110108551385082A"), "vat", "a bad check character is no USCC"
        )
