"""The built-in title synonyms (English and Simplified Chinese) that ``synonyms_seed`` adds.

Each entry: the canonical title and its variants. The list is editable per organization."""

SEED_SYNONYMS: list[tuple[str, list[str]]] = [
    ("CIO", ["Chief Information Officer", "首席信息官", "信息总监", "CIO信息总监"]),
    ("CTO", ["Chief Technology Officer", "首席技术官", "技术总监"]),
    ("CEO", ["Chief Executive Officer", "首席执行官", "总经理", "总裁"]),
    ("CFO", ["Chief Financial Officer", "首席财务官", "财务总监"]),
    ("COO", ["Chief Operating Officer", "首席运营官", "运营总监"]),
    ("CMO", ["Chief Marketing Officer", "首席营销官", "市场总监"]),
    ("IT manager", ["IT经理", "信息技术经理", "IT主管", "Information Technology Manager"]),
    ("IT director", ["IT总监", "信息技术总监", "Director of IT", "Head of IT"]),
    ("Purchasing manager", ["采购经理", "Procurement Manager", "Buyer Manager", "采购主管"]),
    ("Purchasing director", ["采购总监", "Procurement Director", "Head of Procurement"]),
    ("Operations manager", ["运营经理", "Ops Manager"]),
    ("Plant manager", ["厂长", "工厂经理", "Factory Manager"]),
    ("Production manager", ["生产经理", "生产主管"]),
    ("Sales director", ["销售总监", "Head of Sales", "VP Sales"]),
    ("HR director", ["人力资源总监", "Head of HR", "HRD"]),
    ("Finance manager", ["财务经理", "财务主管"]),
    ("Marketing manager", ["市场经理", "营销经理"]),
    ("Logistics manager", ["物流经理", "Supply Chain Manager", "供应链经理"]),
]
