"""Company list page and API latency at the current database size (p95 goal: < 100 ms).

    .venv/bin/python bench/bench_pages.py [--requests 200]

Requests go through the whole Django stack in-process (middleware, auth, templates, JSON),
logged in as the org-wide sales manager; the first request of each URL warms caches and is
not counted.
"""

from __future__ import annotations

import argparse
import os
import random

from common import save, setup_django, summary, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault(
        "PATRON_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    setup_django()
    from django.db import connection
    from django.test import Client

    from patron.accounts.models import ApiToken, User, hash_token
    from patron.companies.models import Company, Region

    if connection.vendor == "postgresql":
        # what autovacuum does shortly after a bulk load: statistics and the visibility map
        # (index-only counts); run here so the measurement does not depend on its timing
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE companies_company")
    user = (
        User.objects.filter(username="manager").first()
        or User.objects.filter(is_superuser=True).first()
    )
    if user is None:
        raise SystemExit("no 'manager' user: generate the demo world first")
    companies = Company.objects.count()
    raw = ApiToken.generate()
    ApiToken.objects.create(
        organization_id=user.organization_id,
        user=user,
        name="bench",
        prefix=raw[:8],
        key_hash=hash_token(raw),
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    pages = max(1, companies // 50)
    rng = random.Random(7)
    province = Region.objects.filter(level=1).values_list("id", flat=True).first()
    page_urls = [
        lambda: f"/companies/?page={rng.randint(1, min(pages, 200))}",
        lambda: "/companies/?stage=account",
        lambda: f"/companies/?region={province}",
        lambda: "/companies/?q=科技",
        lambda: "/companies/?stage=lapsed&industry=manufacturing",
    ]
    api_urls = [
        lambda: f"/api/v1/companies/?page={rng.randint(1, min(pages, 200))}",
        lambda: "/api/v1/companies/?stage=account",
        lambda: f"/api/v1/companies/?region={province}",
        lambda: "/api/v1/companies/?search=科技",
    ]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def run(urls, extra):  # type: ignore[no-untyped-def]
        for make in urls:
            client.get(make(), **extra)  # warm-up
        samples, statuses = [], set()
        for index in range(args.requests):
            url = urls[index % len(urls)]()
            seconds, response = timed(lambda url=url: client.get(url, **extra))
            statuses.add(response.status_code)
            samples.append(seconds)
        return {**summary(samples), "statuses": sorted(statuses)}

    save(
        "pages",
        {
            "companies": companies,
            "company_list_page": run(page_urls, {}),
            "company_list_api": run(api_urls, headers),
            "goal": "p95 < 100 ms at 100,000 companies",
        },
    )


if __name__ == "__main__":
    main()
