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

__all__ = [
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
