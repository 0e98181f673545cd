from patron.funnel.models.config import (
    MarketingRule,
    OpportunityStage,
    Play,
    RoleSpell,
    SlaPolicy,
)
from patron.funnel.models.opportunities import (
    Opportunity,
    OpportunityHandoff,
    OpportunityLine,
    StageChange,
)
from patron.funnel.models.rollup import FunnelDay, FunnelDirtyHour, FunnelGrain, FunnelPart

__all__ = [
    "FunnelDay",
    "FunnelDirtyHour",
    "FunnelGrain",
    "FunnelPart",
    "MarketingRule",
    "Opportunity",
    "OpportunityHandoff",
    "OpportunityLine",
    "OpportunityStage",
    "Play",
    "RoleSpell",
    "SlaPolicy",
    "StageChange",
]
