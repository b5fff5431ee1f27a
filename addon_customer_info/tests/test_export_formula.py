import csv
import io
import json
import re

import openpyxl
from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools import spreadsheet  # noqa: TID252 (pylint-odoo wants relative imports)

MODULE = "addon_customer_info"
NEGATIVE = re.compile(r"-\d+(?:\.\d+)?")

PARTNERS = [
    # (name, phone, ref), ref = Internal Reference (a char field)
    ('=HYPERLINK("http://x")', "+86 138 0013 8000", "-42"),
    ("@SUM(1)", "+49 30 1234567", "-12.50"),
    ("\tTab", "010-12345678", "+cmd|' /C calc'!A0"),
    ("-2+3", "+1 (555) 123-4567", "\r=1+1"),
    ("普通客户", "+8613800138000", "-"),
]
"""Partners exported, with what the CSV must hold for each value."""

CSV_EXPECTED = {
    '=HYPERLINK("http://x")': '\'=HYPERLINK("http://x")',
    "@SUM(1)": "'@SUM(1)",
    "\tTab": "'\tTab",
    "-2+3": "'-2+3",
    "普通客户": "普通客户",
    # phones and plain negative numbers are kept
    "+86 138 0013 8000": "+86 138 0013 8000",
    "+49 30 1234567": "+49 30 1234567",
    "010-12345678": "010-12345678",
    "+1 (555) 123-4567": "+1 (555) 123-4567",
    "+8613800138000": "+8613800138000",
    "-42": "-42",
    "-12.50": "-12.50",
    "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
    "\r=1+1": "'\r=1+1",
    "-": "'-",
}
FIELDS = [
    {"name": "name", "label": "Name", "type": "char"},
    {"name": "phone", "label": "Phone", "type": "char"},
    {"name": "ref", "label": "Reference", "type": "char"},
    {"name": "color", "label": "Color Index", "type": "integer"},
]


@tagged("post_install", "-at_install", "security")
class TestExportFormulaSafe(HttpCase):
    """The list view's CSV and XLSX exports of customer data carry no formula; other models' are Odoo's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exporter = new_test_user(
            cls.env, login="ci_formula_exporter", groups=f"{MODULE}.group_customer_info_export"
        )
        cls.partners = cls.env["res.partner"].create(
            [{"name": name, "phone": phone, "ref": ref, "color": -3} for name, phone, ref in PARTNERS]
        )
        cls.countries = cls.env["res.country"].create(
            [
                {"name": "=1+1 Land", "code": "QX", "phone_code": 999},
                {"name": "@Isle", "code": "QY", "phone_code": 998},
            ]
        )

    def setUp(self):
        super().setUp()
        self.authenticate(self.exporter.login, self.exporter.login)

    def export(self, fmt, model, ids, fields, groupby=(), import_compat=False):
        """Downloads an export as the web client does (``view_hook.js``: a form with ``data``)."""
        params = {
            "import_compat": import_compat,
            "context": {"lang": "en_US"},
            "domain": [("id", "in", ids)],
            "fields": fields,
            "groupby": list(groupby),
            "ids": ids,
            "model": model,
        }
        response = self.url_open(
            f"/web/export/{fmt}",
            data={"data": json.dumps(params), "csrf_token": http.Request.csrf_token(self)},
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.content

    def csv_rows(self, content):
        return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))

    def xlsx_cells(self, content):
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return [list(row) for row in sheet.iter_rows()]

    # CSV

    def test_csv_neutralised(self):
        rows = self.csv_rows(self.export("csv", "res.partner", self.partners.ids, FIELDS))
        self.assertEqual(rows[0], ["Name", "Phone", "Reference", "Color Index"])
        self.assertEqual(len(rows), 1 + len(PARTNERS))
        by_name = {row[0]: row for row in rows[1:]}
        for name, phone, ref in PARTNERS:
            row = by_name.get(CSV_EXPECTED[name])
            self.assertIsNotNone(row, f"{name!r} exported as {CSV_EXPECTED[name]!r}: {sorted(by_name)}")
            self.assertEqual(row[1:3], [CSV_EXPECTED[phone], CSV_EXPECTED[ref]], name)
            self.assertEqual(row[3], "-3", "a negative integer is written as Odoo writes it")
        for cell in (cell for row in rows[1:] for cell in row):
            if cell.startswith(spreadsheet.TRIGGERS):
                self.assertTrue(
                    spreadsheet.is_phone(cell) or NEGATIVE.fullmatch(cell), f"{cell!r} is read as a formula"
                )

    def test_csv_of_another_model_is_odoos(self):
        fields = [
            {"name": "name", "label": "Country Name", "type": "char"},
            {"name": "code", "label": "Country Code", "type": "char"},
            {"name": "phone_code", "label": "Country Calling Code", "type": "integer"},
        ]
        rows = self.csv_rows(self.export("csv", "res.country", self.countries.ids, fields))
        # Odoo quotes = + - itself and leaves @ as it is: that is its export, untouched
        self.assertCountEqual(rows[1:], [["'=1+1 Land", "QX", "999"], ["@Isle", "QY", "998"]])

    # XLSX

    def assert_no_formula(self, cells):
        formulas = [(cell.coordinate, cell.value) for row in cells for cell in row if cell.data_type == "f"]
        self.assertEqual(formulas, [], "no cell of a customer data export is a formula")

    def test_xlsx_text_cells(self):
        cells = self.xlsx_cells(self.export("xlsx", "res.partner", self.partners.ids, FIELDS))
        self.assert_no_formula(cells)
        self.assertEqual([cell.value for cell in cells[0]], ["Name", "Phone", "Reference", "Color Index"])
        rows = {row[0].value: row for row in cells[1:]}
        for name, phone, ref in PARTNERS:
            self.assertIn(name, rows, f"{name!r} written as it is: {sorted(rows)}")
            row = rows[name]
            # text as it is, in string cells: nothing to execute, nothing added
            self.assertEqual([cell.value for cell in row[:3]], [name, phone, ref.replace("\r", " ")])
            self.assertEqual([cell.data_type for cell in row[:3]], ["s", "s", "s"], name)
            self.assertEqual((row[3].value, row[3].data_type), (-3, "n"), "numbers stay numbers")

    def test_xlsx_grouped_text_cells(self):
        content = self.export("xlsx", "res.partner", self.partners.ids, FIELDS, groupby=["name"])
        cells = self.xlsx_cells(content)
        self.assert_no_formula(cells)
        headers = {row[0].value for row in cells[1:] if row[0].value and row[0].value.endswith(" (1)")}
        self.assertIn('=HYPERLINK("http://x") (1)', headers, "the group header is text too")

    def test_xlsx_of_another_model_is_odoos(self):
        fields = [{"name": "name", "label": "Country Name", "type": "char"}]
        cells = self.xlsx_cells(self.export("xlsx", "res.country", self.countries.ids, fields))
        # Odoo's own writer makes a formula of "=1+1 Land": that export is left exactly as Odoo makes it
        self.assertIn(("f", "=1+1 Land"), {(row[0].data_type, row[0].value) for row in cells[1:]})
