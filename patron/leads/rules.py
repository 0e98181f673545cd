"""Duplicate match keys of leads and contacts (pure: no Django).

Three keys tell that two records are the same prospect (issue 3, point 1):

- ``email``: the address folded to lower case;
- ``phone``: the digits only, without the country code of China (``+86``, ``0086``, ``86``
  before a full number) and without leading zeros (trunk prefix ``0`` of a landline), so
  ``+86 138-0013-8000``, ``0086 13800138000`` and ``138 0013 8000`` give one key; fewer than
  ``PHONE_MIN_DIGITS`` digits give none;
- ``name``: the company name and the contact name, each folded (full-width to half-width,
  lower case, spaces and punctuation removed), the company without its legal-form suffix
  (``有限公司``, ``Co., Ltd.`` …), joined by ``|``; only when both are given.

Each key exists twice: as a Python function (one record: services) and as a polars expression
(a whole file: imports). ``tests/leads/test_rules.py`` checks that both agree.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

PHONE_MIN_DIGITS = 7
# Legal-form suffixes, removed from the end of a folded company name (repeatedly: "Co., Ltd.").
# English forms need a separator before them ("Tesco" keeps its "co").
COMPANY_SUFFIX = (
    r"(?:[\s,.]+(?:co\.?,?\s*ltd|company\s+limited|company|limited|ltd|incorporated|inc"
    r"|llc|corporation|corp|gmbh|plc|group|co)\.?"
    r"|有限责任公司|股份有限公司|有限公司|集团公司|公司|集团)+\s*$"
)
_SUFFIX = re.compile(COMPANY_SUFFIX)
NAME_SEPARATOR = "|"


def _fold(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def _alnum(text: str) -> str:
    return "".join(character for character in text if character.isalnum())


def email_key(email: str | None) -> str | None:
    return _fold(email) or None


def phone_key(phone: str | None) -> str | None:
    digits = "".join(character for character in _fold(phone) if "0" <= character <= "9")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) >= 12:
        digits = digits[2:]
    digits = digits.lstrip("0")
    return digits if len(digits) >= PHONE_MIN_DIGITS else None


def company_part(company_name: str | None) -> str:
    return _alnum(_SUFFIX.sub("", _fold(company_name)))


def person_part(contact_name: str | None) -> str:
    return _alnum(_fold(contact_name))


def name_key(company_name: str | None, contact_name: str | None) -> str | None:
    company, person = company_part(company_name), person_part(contact_name)
    if not company or not person:
        return None
    return f"{company}{NAME_SEPARATOR}{person}"


# --- the same keys as polars expressions over string columns -------------------------------

NOT_ALNUM = r"[^\p{L}\p{N}]"


def _fold_expr(column: pl.Expr) -> pl.Expr:
    return column.str.normalize("NFKC").str.strip_chars().str.to_lowercase()


def _empty_to_null(expression: pl.Expr) -> pl.Expr:
    return pl.when(expression.str.len_bytes() > 0).then(expression)


def email_key_expr(column: pl.Expr) -> pl.Expr:
    return _empty_to_null(_fold_expr(column))


def phone_key_expr(column: pl.Expr) -> pl.Expr:
    digits = _fold_expr(column).str.replace_all(r"[^0-9]", "")
    without_country = (
        pl.when(digits.str.starts_with("0086"))
        .then(digits.str.slice(4))
        .when(digits.str.starts_with("86") & (digits.str.len_bytes() >= 12))
        .then(digits.str.slice(2))
        .otherwise(digits)
        .str.strip_chars_start("0")
    )
    return pl.when(without_country.str.len_bytes() >= PHONE_MIN_DIGITS).then(without_country)


def company_part_expr(column: pl.Expr) -> pl.Expr:
    return _fold_expr(column).str.replace(COMPANY_SUFFIX, "").str.replace_all(NOT_ALNUM, "")


def person_part_expr(column: pl.Expr) -> pl.Expr:
    return _fold_expr(column).str.replace_all(NOT_ALNUM, "")


def name_key_expr(company: pl.Expr, contact: pl.Expr) -> pl.Expr:
    company_text, person_text = company_part_expr(company), person_part_expr(contact)
    return pl.when((company_text.str.len_bytes() > 0) & (person_text.str.len_bytes() > 0)).then(
        pl.concat_str([company_text, pl.lit(NAME_SEPARATOR), person_text])
    )


def keys_expr(
    *, email: pl.Expr, phone: pl.Expr, company: pl.Expr, contact: pl.Expr
) -> list[pl.Expr]:
    """The three key columns (``email_key``, ``phone_key``, ``name_key``)."""
    return [
        email_key_expr(email).alias("email_key"),
        phone_key_expr(phone).alias("phone_key"),
        name_key_expr(company, contact).alias("name_key"),
    ]
