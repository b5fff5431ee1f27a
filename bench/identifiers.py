"""Valid (and deliberately invalid) identifiers for generated companies.

* Unified Social Credit Code, GB 32100-2015: authority and type code, the six-digit region
  code, the nine-character organisation code (whose last character is its own check
  character, GB 11714-1997), and the check character over the first seventeen characters
  (weights ``3**i mod 31``, alphabet without I, O, S, V and Z).
* EU VAT numbers for DE, AT, FR, IT, NL, BE, ES and PL, with each country's check digits
  (python-stdnum's check-digit helpers where it has them).
* LEI, ISO 17442: four-character LOU prefix, ``00``, twelve characters, ISO 7064 mod 97-10
  check digits.

:func:`mistype` changes one character so that the checksum fails (every one of these
checksums detects a single substituted character).
"""

from __future__ import annotations

import random
import string

from stdnum import luhn
from stdnum.at import uid as at_uid
from stdnum.es import cif as es_cif
from stdnum.iso7064 import mod_11_10, mod_97_10

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_BODY_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"  # letters an organisation code body may use inside a USCC
LEI_PREFIXES = ("5299", "5493", "2138", "3912", "9845", "8156", "7245", "3003", "9695", "8945", "300300")


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character of the first seventeen characters."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The GB 11714-1997 check character of an organisation code body (digits and letters)."""
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def is_valid_uscc(code: str) -> bool:
    """Format, alphabet and check character (any registration authority code)."""
    return (
        len(code) == 18
        and all(c in _USCC_VALUE for c in code)
        and code[2:8].isdigit()
        and uscc_check_char(code[:17]) == code[17]
    )


def make_uscc(rng: random.Random, kind: str, region: str) -> str:
    """A valid USCC: ``kind`` is the authority and type code ("91"), ``region`` six digits."""
    body = f"{rng.randrange(10**8):08d}"
    if rng.random() < 0.3:  # newer organisation codes carry letters
        position = rng.randrange(8)
        body = body[:position] + rng.choice(_ORG_BODY_LETTERS) + body[position + 1 :]
    first17 = kind + region + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def _digits(rng: random.Random, count: int, first_nonzero: bool = True) -> str:
    head = rng.randrange(1, 10) if first_nonzero else rng.randrange(10)
    return f"{head}{rng.randrange(10 ** (count - 1)):0{count - 1}d}"


def _nl_bsn(rng: random.Random) -> str:
    while True:
        body = _digits(rng, 8)
        check = sum(int(d) * (9 - i) for i, d in enumerate(body)) % 11
        if check < 10:
            return body + str(check)


def _pl_nip(rng: random.Random) -> str:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    while True:
        body = _digits(rng, 9)
        check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        if check < 10:
            return body + str(check)


def make_vat(rng: random.Random, country: str) -> str | None:
    """A valid VAT number with its country prefix ("DE123456788"), or None outside the EU set."""
    if country == "DE":
        body = _digits(rng, 8)
        return "DE" + body + mod_11_10.calc_check_digit(body)
    if country == "AT":
        body = _digits(rng, 7)
        return "ATU" + body + at_uid.calc_check_digit("U" + body)
    if country == "FR":
        siren = _digits(rng, 8)
        siren += luhn.calc_check_digit(siren)
        return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
    if country == "IT":
        body = _digits(rng, 7, first_nonzero=False) + f"{rng.randint(1, 100):03d}"
        return "IT" + body + luhn.calc_check_digit(body)
    if country == "NL":
        return "NL" + _nl_bsn(rng) + "B01"
    if country == "BE":
        number = int("0" + _digits(rng, 7))
        return f"BE{number:08d}{97 - number % 97:02d}"
    if country == "ES":
        body = "B" + _digits(rng, 7, first_nonzero=False)
        return "ES" + body + es_cif.calc_check_digits(body)[0]
    if country == "PL":
        return "PL" + _pl_nip(rng)
    return None


def make_lei(rng: random.Random) -> str:
    prefix = rng.choice(LEI_PREFIXES)
    alphabet = string.digits + string.ascii_uppercase
    body = prefix + ("00" if len(prefix) == 4 else "") + "".join(rng.choices(alphabet, k=12))
    return body + mod_97_10.calc_check_digits(body)


def mistype(rng: random.Random, code: str, start: int = 0) -> str:
    """``code`` with one character (at ``start`` or later) replaced by another of its class."""
    position = rng.randrange(start, len(code))
    old = code[position]
    pool = string.digits if old.isdigit() else USCC_ALPHABET[10:]
    new = rng.choice([c for c in pool if c != old])
    return code[:position] + new + code[position + 1 :]
