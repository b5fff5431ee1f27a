"""The demo users: each one documented in the README (login, password, groups), and the
governance can be tried without configuring users first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "addon_customer_info" / "demo"
GROUPS = re.compile(r"ref\('([\w.]+)'\)")


def _demo_users() -> dict[str, dict]:
    users = {}
    for path in sorted(DEMO.glob("*.xml")):
        for record in etree.parse(str(path)).iter("record"):
            if record.get("model") != "res.users":
                continue
            values = {field.get("name"): field for field in record.iter("field")}
            users[values["login"].text] = {
                "password": values["password"].text,
                "groups": set(GROUPS.findall(values["group_ids"].get("eval", ""))),
            }
    return users


def _readme_section() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^## Demo users\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, "README.md has no 'Demo users' section"
    return match.group(1)


def test_every_demo_user_is_documented_with_login_password_and_groups() -> None:
    users = _demo_users()
    assert len(users) >= 4
    rows = {
        cells[0].strip("` "): cells
        for line in _readme_section().splitlines()
        if line.startswith("| `")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }
    for login, user in users.items():
        assert login in rows, f"demo user {login} is not in the README"
        assert rows[login][1].strip("`") == user["password"], login
        assert rows[login][3], f"{login}: no group documented"


def test_a_demo_salesperson_sees_sensitive_details() -> None:
    sensitive = {
        login
        for login, user in _demo_users().items()
        if {"group_customer_info_sensitive", "group_customer_info_sensitive_all"} & user["groups"]
    }
    assert sensitive, "no demo user can see sensitive fields"
    assert "Sensitive Personal Data" in _readme_section()
