from django.contrib import admin

from patron.catalog.models import Product, ProductFamily


@admin.register(ProductFamily)
class ProductFamilyAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "family", "list_price", "is_subscription", "is_active")
    list_filter = ("family", "is_subscription")
    search_fields = ("sku", "name")
