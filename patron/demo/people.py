"""Companies and contacts of the demo world: Chinese and English names, real cities, sizes,
ratings, potential, and 1–4 contacts each with titles and buying roles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from patron.companies.choices import BuyingRole, CompanySize, CreditRating, Industry
from patron.demo.reference import CityRow
from patron.demo.vocab import (
    EMAIL_DOMAINS_FREE,
    EN_SUFFIXES,
    GIVEN,
    INDUSTRY_WORDS,
    ROADS,
    SURNAMES,
    TITLES_EN,
    TITLES_ZH,
    TRADE,
    ZH_SUFFIXES,
)

SIZE_CODES = [c.value for c in CompanySize]  # micro … enterprise, in order
SIZE_WEIGHTS = [0.34, 0.34, 0.18, 0.10, 0.04]
RATING_CODES = [c.value for c in CreditRating]
RATING_WEIGHTS = [0.05, 0.12, 0.25, 0.28, 0.17, 0.09, 0.04]
INDUSTRY_CODES = [c.value for c in Industry]
INDUSTRY_WEIGHTS = {
    "manufacturing": 0.2,
    "retail": 0.12,
    "software": 0.16,
    "finance": 0.05,
    "education": 0.07,
    "healthcare": 0.06,
    "logistics": 0.08,
    "real_estate": 0.05,
    "media": 0.06,
    "government": 0.03,
    "hospitality": 0.05,
    "professional": 0.07,
}
POTENTIAL_BY_SIZE = [8_000, 30_000, 120_000, 400_000, 1_500_000]
BUYING_ROLES = [
    BuyingRole.ECONOMIC_BUYER.value,
    BuyingRole.ALLY.value,
    BuyingRole.BAG_OF_WIND.value,
    BuyingRole.UNKNOWN.value,
]
MUNICIPALITIES = {"CN-SH", "CN-BJ", "CN-TJ", "CN-CQ"}


@dataclass
class Companies:
    external_id: list[str]
    name: list[str]
    is_chinese: np.ndarray
    industry: list[str]
    city: np.ndarray  # index into the city list
    size: np.ndarray  # 0 … 4
    credit_rating: list[str]
    market_potential: np.ndarray  # whole yuan
    website: list[str]
    phone: list[str]
    address: list[str]
    domain: list[str]


@dataclass
class Contacts:
    company: np.ndarray  # company index
    external_id: list[str]
    name: list[str]
    title: list[str]
    email: list[str]
    phone: list[str]
    buying_role: list[str]


def _digits(rng: np.random.Generator, count: int, width: int) -> list[str]:
    values = rng.integers(0, 10**width, size=count)
    return [f"{v:0{width}d}" for v in values.tolist()]


def companies_make(rng: np.random.Generator, n: int, cities: list[CityRow]) -> Companies:
    weights = np.array([c.weight for c in cities])
    city = rng.choice(len(cities), size=n, p=weights / weights.sum())
    industry_p = np.array([INDUSTRY_WEIGHTS[c] for c in INDUSTRY_CODES])
    industry = rng.choice(len(INDUSTRY_CODES), size=n, p=industry_p / industry_p.sum())
    size = rng.choice(5, size=n, p=SIZE_WEIGHTS)
    rating = rng.choice(len(RATING_CODES), size=n, p=RATING_WEIGHTS)
    potential = (
        np.round(np.array(POTENTIAL_BY_SIZE)[size] * rng.lognormal(0, 0.6, n) / 100).astype(
            np.int64
        )
        * 100
    )
    is_chinese = rng.random(n) < 0.8
    trade_a = rng.integers(0, len(TRADE), n)
    trade_b = rng.integers(0, len(TRADE), n)
    word = rng.integers(0, 1000, n)
    zh_suffix = rng.integers(0, len(ZH_SUFFIXES), n)
    en_suffix = rng.integers(0, len(EN_SUFFIXES), n)
    en_style = rng.random(n) < 0.5
    surname_en = rng.integers(0, 1000, n)
    road = rng.integers(0, len(ROADS), n)
    number = rng.integers(1, 2000, n)
    phone_digits = [str(v) for v in rng.integers(20_000_000, 90_000_000, n).tolist()]
    from faker.providers.person.en_US import Provider as EnglishNames

    last_names = list(EnglishNames.last_names)
    names: list[str] = []
    websites: list[str] = []
    domains: list[str] = []
    phones: list[str] = []
    addresses: list[str] = []
    for i in range(n):
        c = cities[city[i]]
        province_code = c.code.rsplit("-", 1)[0]
        municipality = province_code in MUNICIPALITIES
        words = INDUSTRY_WORDS[INDUSTRY_CODES[industry[i]]]
        zh_word, en_word = words[word[i] % len(words)]
        a, b = TRADE[trade_a[i]], TRADE[trade_b[i]]
        place_en = c.province_en if municipality else c.name_en
        slug = place_en.lower().replace(" ", "").replace("'", "")
        if is_chinese[i]:
            place = c.province if municipality else c.name
            names.append(f"{place}{a[0]}{b[0]}{zh_word}{ZH_SUFFIXES[zh_suffix[i]]}")
            domain = f"{a[1]}{b[1]}-{slug}.com"
            street = f"{c.province}市{c.name}" if municipality else f"{c.province}省{c.name}市"
            if province_code in {"CN-NM", "CN-GX", "CN-XZ", "CN-NX", "CN-XJ"}:
                street = f"{c.province}{c.name}"
            addresses.append(f"{street}{ROADS[road[i]][0]}路{number[i]}号")
        else:
            last = last_names[surname_en[i] % len(last_names)]
            if en_style[i]:
                names.append(f"{place_en} {last} {en_word} {EN_SUFFIXES[en_suffix[i]]}")
            else:
                names.append(f"{last} {en_word} {EN_SUFFIXES[en_suffix[i]]}")
            domain = f"{last.lower()}-{en_word.split()[0].lower().strip('&,')}.com.cn"
            addresses.append(
                f"No. {number[i]} {ROADS[road[i]][1]} Road, {c.name_en}, {c.province_en}"
            )
        domains.append(domain)
        websites.append(f"https://www.{domain}")
        phones.append(f"{c.area_code}-{phone_digits[i]}")
    return Companies(
        external_id=[f"C{i + 1:07d}" for i in range(n)],
        name=names,
        is_chinese=is_chinese,
        industry=[INDUSTRY_CODES[k] for k in industry.tolist()],
        city=city,
        size=size,
        credit_rating=[RATING_CODES[k] for k in rating.tolist()],
        market_potential=potential,
        website=websites,
        phone=phones,
        address=addresses,
        domain=domains,
    )


def contacts_make(rng: np.random.Generator, companies: Companies) -> Contacts:
    from faker.providers.person.en_US import Provider as EnglishNames

    first_names = sorted(set(EnglishNames.first_names_male) | set(EnglishNames.first_names_female))
    last_names = list(EnglishNames.last_names)
    n_companies = len(companies.name)
    per_company = rng.choice(np.array([1, 2, 3, 4]), size=n_companies, p=[0.35, 0.35, 0.2, 0.1])
    company = np.repeat(np.arange(n_companies), per_company)
    n = len(company)
    chinese = np.where(companies.is_chinese[company], rng.random(n) < 0.92, rng.random(n) < 0.4)
    surname_w = np.array([s[2] for s in SURNAMES])
    surname = rng.choice(len(SURNAMES), size=n, p=surname_w / surname_w.sum())
    given_a = rng.integers(0, len(GIVEN), n)
    given_b = rng.integers(0, len(GIVEN), n)
    two_char = rng.random(n) < 0.65
    first_en = rng.integers(0, len(first_names), n)
    last_en = rng.integers(0, len(last_names), n)
    title_zh = rng.integers(0, len(TITLES_ZH), n)
    title_en = rng.integers(0, len(TITLES_EN), n)
    free_mail = rng.random(n) < 0.15
    free_domain = rng.integers(0, len(EMAIL_DOMAINS_FREE), n)
    role_draw = rng.random(n)
    mobile_prefix = rng.choice(np.array([130, 135, 136, 138, 139, 150, 158, 177, 186, 189]), n)
    mobile_rest = _digits(rng, n, 8)
    email_number = rng.integers(10, 999, n)
    cum_zh = np.cumsum(np.array([w for _t, w in TITLES_ZH]), axis=1)
    cum_en = np.cumsum(np.array([w for _t, w in TITLES_EN]), axis=1)
    cum = np.where(chinese[:, None], cum_zh[title_zh], cum_en[title_en])
    role_index = np.minimum(
        (cum < role_draw[:, None] * cum[:, -1:]).sum(axis=1), len(BUYING_ROLES) - 1
    ).tolist()
    names: list[str] = []
    titles: list[str] = []
    emails: list[str] = []
    phones: list[str] = []
    roles: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        if chinese[i]:
            s = SURNAMES[surname[i]]
            g1 = GIVEN[given_a[i]]
            given_zh = g1[0] + (GIVEN[given_b[i]][0] if two_char[i] else "")
            given_py = g1[1] + (GIVEN[given_b[i]][1] if two_char[i] else "")
            names.append(s[0] + given_zh)
            local = f"{given_py}.{s[1]}"
            title = TITLES_ZH[title_zh[i]][0]
        else:
            first, last = first_names[first_en[i]], last_names[last_en[i]]
            names.append(f"{first} {last}")
            local = f"{first}.{last}".lower()
            title = TITLES_EN[title_en[i]][0]
        domain = companies.domain[company[i]]
        if free_mail[i]:
            email = (
                f"{local.replace('.', '')}{email_number[i]}@{EMAIL_DOMAINS_FREE[free_domain[i]]}"
            )
        else:
            email = f"{local}@{domain}"
        if email in seen:
            email = f"{local}{email_number[i]}@{domain}"
        seen.add(email)
        emails.append(email)
        titles.append(title)
        roles.append(BUYING_ROLES[role_index[i]])
        phones.append(f"{mobile_prefix[i]}{mobile_rest[i]}")
    return Contacts(
        company=company,
        external_id=[f"P{i + 1:07d}" for i in range(n)],
        name=names,
        title=titles,
        email=emails,
        phone=phones,
        buying_role=roles,
    )
