"""Duplicate match keys of leads and contacts (pure: no Django).

Three keys tell that two records are the same prospect (issue 3, point 1):

- ``email``: the address folded to lower case;
- ``phone``: the digits only, without the country code of China (``+86``, ``0086``, ``86``
  before a full number) and without leading zeros (trunk prefix ``0`` of a landline), so
  ``+86 138-0013-8000``, ``0086 13800138000`` and ``138 0013 8000`` give one key; fewer than
  ``PHONE_MIN_DIGITS`` digits give none;
- ``name``: the company name and the contact name, each folded (full-width forms to ASCII,
  lower case, spaces and punctuation removed), the company without its legal-form suffix
  (``有限公司``, ``Co., Ltd.`` …), joined by ``|``; only when both are given.

Each key exists twice: as a Python function (one record: services) and as polars expressions
(a whole file: imports, :func:`with_keys`). ``tests/leads/test_rules.py`` checks that both agree.
"""

from __future__ import annotations

import re

import polars as pl

PHONE_MIN_DIGITS = 7
COUNTRY_CODE = r"^86([0-9]{10,})$"  # 86 before a full number (10 or 11 digits)
# Legal-form suffixes, removed from the end of a folded company name (repeatedly: "Co., Ltd.").
# English forms need a separator before them ("Tesco" keeps its "co").
COMPANY_SUFFIX = (
    r"(?:[\s,.]+(?:co\.?,?\s*ltd|company\s+limited|company|limited|ltd|incorporated|inc"
    r"|llc|corporation|corp|gmbh|plc|group|co)\.?"
    r"|有限责任公司|股份有限公司|有限公司|集团公司|公司|集团)+\s*$"
)
_SUFFIX = re.compile(COMPANY_SUFFIX)
NAME_SEPARATOR = "|"
# Full-width ASCII forms (Ａ, １, ＠, （ …) and the ideographic space, folded to ASCII: what
# NFKC does to them, at a fraction of its cost on a million rows.
FULL_WIDTH = [chr(0xFF01 + offset) for offset in range(94)] + ["\u3000"]
HALF_WIDTH = [chr(0x21 + offset) for offset in range(94)] + [" "]
_HALF = str.maketrans(dict(zip(FULL_WIDTH, HALF_WIDTH, strict=True)))


def _fold(text: str | None) -> str:
    return (text or "").translate(_HALF).strip().lower()


def _alnum(text: str) -> str:
    return "".join(character for character in text if character.isalnum())


def email_key(email: str | None) -> str | None:
    return _fold(email) or None


def phone_key(phone: str | None) -> str | None:
    digits = re.sub(r"[^0-9]", "", _fold(phone))
    digits = re.sub(COUNTRY_CODE, r"\1", re.sub(r"^0086", "", digits)).lstrip("0")
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
    return column.str.replace_many(FULL_WIDTH, HALF_WIDTH).str.strip_chars().str.to_lowercase()


def company_part_expr(column: pl.Expr) -> pl.Expr:
    return _fold_expr(column).str.replace(COMPANY_SUFFIX, "").str.replace_all(NOT_ALNUM, "")


def person_part_expr(column: pl.Expr) -> pl.Expr:
    return _fold_expr(column).str.replace_all(NOT_ALNUM, "")


def with_keys(
    frame: pl.DataFrame, *, email: str, phone: str, company: str, contact: str
) -> pl.DataFrame:
    """``frame`` with the three key columns (``email_key``, ``phone_key``, ``name_key``).

    Each folded text is computed once (a temporary column), then the keys from it: a million
    rows take about a second.
    """
    parts = ("__email", "__phone", "__company", "__person")
    return (
        frame.lazy()
        .with_columns(
            _fold_expr(pl.col(email)).alias("__email"),
            _fold_expr(pl.col(phone))
            .str.replace_all(r"[^0-9]", "")
            .str.replace(r"^0086", "")
            .str.replace(COUNTRY_CODE, "${1}")
            .str.strip_chars_start("0")
            .alias("__phone"),
            company_part_expr(pl.col(company)).alias("__company"),
            person_part_expr(pl.col(contact)).alias("__person"),
        )
        .with_columns(
            pl.when(pl.col("__email").str.len_bytes() > 0)
            .then(pl.col("__email"))
            .alias("email_key"),
            pl.when(pl.col("__phone").str.len_bytes() >= PHONE_MIN_DIGITS)
            .then(pl.col("__phone"))
            .alias("phone_key"),
            pl.when(
                (pl.col("__company").str.len_bytes() > 0) & (pl.col("__person").str.len_bytes() > 0)
            )
            .then(pl.concat_str([pl.col("__company"), pl.lit(NAME_SEPARATOR), pl.col("__person")]))
            .alias("name_key"),
        )
        .drop(parts)
        .collect()
    )
