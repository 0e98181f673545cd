"""The REST API at /api/v1/: token auth, one router per domain, one error shape."""

from ninja import NinjaAPI

from patron.api import companies, contacts, indicators, lifecycle, orders, products
from patron.api.auth import ApiTokenAuth, as_api_user
from patron.api.errors import install_error_handlers
from patron.api.funnel import router as funnel_router
from patron.api.opportunities import router as opportunities_router
from patron.api.prospecting import router as prospecting_router
from patron.api.prospecting_conversion import router as prospecting_conversion_router

api = NinjaAPI(
    title="Patron API",
    version="1",
    description="Patron's REST API. Authenticate with `Authorization: Bearer <token>`.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=ApiTokenAuth(),
)
install_error_handlers(api)
api.add_decorator(as_api_user, mode="operation")
api.add_router("/companies", companies.router)
api.add_router("/companies", lifecycle.router)
api.add_router("/contacts", contacts.router)
api.add_router("/products", products.router)
api.add_router("/orders", orders.router)
api.add_router("/indicators", indicators.router)
api.add_router("/funnel", funnel_router)
api.add_router("/opportunities", opportunities_router)
api.add_router("/prospecting", prospecting_conversion_router)
api.add_router("/prospecting", prospecting_router)
