"""Phone numbers and e-mail addresses."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from sync_worker.normalize import Invalid, normalize_email, normalize_phone


@pytest.mark.parametrize(
    ("value", "region", "e164"),
    [
        ("138 1234 5678", "CN", "+8613812345678"),
        ("+86 138-1234-5678", "CN", "+8613812345678"),
        ("0086 13812345678", "CN", "+8613812345678"),
        ("１３８１２３４５６７８", "CN", "+8613812345678"),  # full-width digits
        ("010-8888 6666", "CN", "+861088886666"),
        ("(0755) 8601 3388", "CN", "+8675586013388"),
        ("0086-10-8888 6666 转 123", "CN", "+861088886666"),
        ("+49 30 901820", "CN", "+4930901820"),
        ("030 901820", "DE", "+4930901820"),
        ("+1 (650) 253-0000", "CN", "+16502530000"),
        ("+44 20 7946 0958", "CN", "+442079460958"),
    ],
)
def test_phones_are_stored_as_e164(value: str, region: str, e164: str) -> None:
    result = normalize_phone(value, region)
    assert not isinstance(result, Invalid), result
    assert result.e164 == e164


def test_extension_and_kind() -> None:
    phone = normalize_phone("0086-10-8888 6666 转 123")
    assert phone.extension == "123"
    assert normalize_phone("13812345678").kind == "mobile"
    assert normalize_phone("+49 30 901820").region == "DE"


@pytest.mark.parametrize(
    ("value", "e164", "extension"),
    [
        ("010-12345678-856", "+861012345678", "856"),
        ("(010) 12345678-856", "+861012345678", "856"),
        ("+86 10 12345678-856", "+861012345678", "856"),
        ("（０１０）１２３４５６７８－８５６", "+861012345678", "856"),
        ("0571-88886666-8001", "+8657188886666", "8001"),
        ("+1 212-555-0123-12", "+12125550123", "12"),
    ],
)
def test_a_trailing_dash_extension_after_a_complete_landline(value: str, e164: str, extension: str) -> None:
    phone = normalize_phone(value)
    assert not isinstance(phone, Invalid), phone
    assert (phone.e164, phone.extension) == (e164, extension)


def test_a_dash_group_is_no_extension_when_the_rest_is_no_number() -> None:
    assert isinstance(normalize_phone("010-123456"), Invalid)
    assert isinstance(normalize_phone("138-1234-567"), Invalid)  # a mobile missing a digit


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12345", "phone.invalid"),
        ("call me", "phone.unparseable"),
        ("", "phone.empty"),
        ("+86 100", "phone.invalid"),
    ],
)
def test_invalid_phones_say_why(value: str, code: str) -> None:
    result = normalize_phone(value)
    assert isinstance(result, Invalid) and result.code == code and result.reason


def test_the_block_shortcut_agrees_with_a_full_parse() -> None:
    """Numbers of one block (all but the last four digits) share libphonenumber's verdict."""
    rng = random.Random(20261124)
    for _ in range(300):
        country = rng.choice(["86", "49", "1", "44", "33", "852", "81", "7", "39", "34", "61", "65"])
        block = str(rng.randint(10**5, 10**8))
        for _ in range(4):
            value = f"+{country}{block}{rng.randint(0, 9999):04d}"
            ours = normalize_phone(value)
            try:
                parsed = phonenumbers.parse(value)
                expected = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
                valid = phonenumbers.is_valid_number(parsed)
            except phonenumbers.NumberParseException:
                valid = False
            assert (not isinstance(ours, Invalid)) == valid, value
            if valid:
                assert ours.e164 == expected, value


@pytest.mark.parametrize(
    ("value", "normalized", "key"),
    [
        (" Wang.Wei@Example.COM ", "Wang.Wei@example.com", "wang.wei@example.com"),
        ("mailto:info@huawei.com", "info@huawei.com", "info@huawei.com"),
        ("<sales@bosch.de>", "sales@bosch.de", "sales@bosch.de"),
        ("张伟@例子.中国", "张伟@例子.中国", "张伟@例子.中国"),  # internationalised
        ("ｉｎｆｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "info@example.com", "info@example.com"),
    ],
)
def test_emails(value: str, normalized: str, key: str) -> None:
    result = normalize_email(value)
    assert not isinstance(result, Invalid), result
    assert (result.normalized, result.key) == (normalized, key)


@pytest.mark.parametrize(
    "value", ["wang.wei@@example.com", "no-at-sign", "a@b", "x@localhost", "a..b@example.com", ""]
)
def test_invalid_emails(value: str) -> None:
    assert isinstance(normalize_email(value), Invalid)


def test_the_plain_address_shortcut_agrees_with_email_validator() -> None:
    rng = random.Random(7)
    alphabet = "abcXYZ019._%+-@"
    for _ in range(3000):
        local = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        domain = rng.choice(
            ["example.com", "a-b.cn", "x.y.de", "-bad.com", "ok.c", "test", "mail.local", "b..c.com"]
        )
        value = f"{local}@{domain}"
        ours = normalize_email(value)
        try:
            info = validate_email(value, check_deliverability=False, allow_smtputf8=True)
        except EmailNotValidError:
            assert isinstance(ours, Invalid), value
        else:
            assert not isinstance(ours, Invalid), value
            assert ours.normalized.lower() == info.normalized.lower(), value
