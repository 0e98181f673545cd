from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FunnelConfig(AppConfig):
    name = "patron.funnel"
    label = "funnel"
    verbose_name = _("SDR → AE funnel")

    def ready(self) -> None:
        from patron.core.bulk import wrap_bulk_inserts
        from patron.funnel.rollup_triggers import TABLES, insert_trigger_paused

        wrap_bulk_inserts(TABLES, insert_trigger_paused)
