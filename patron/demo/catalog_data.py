"""The demo catalogue: a one-stop network-services company (dynamic DNS first, then e-mail,
website builder, monitoring, certificates, hosting, remote access and SD-WAN). Prices in CNY."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ANNUAL = "annual"
MONTHLY = "monthly"
ONE_TIME = "one_time"


@dataclass(frozen=True)
class FamilySpec:
    code: str
    name: str
    name_en: str
    # How many units a customer of each size buys (micro … enterprise); 1 = not per seat.
    seats: tuple[int, int, int, int, int]


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    family: str
    kind: str  # annual | monthly | one_time
    list_price: Decimal
    unit_cost: Decimal
    tier: int  # 0 entry, 1 professional, 2 enterprise

    @property
    def is_subscription(self) -> bool:
        return self.kind != ONE_TIME


FAMILIES: list[FamilySpec] = [
    FamilySpec("ddns", "动态域名 (花生壳)", "Dynamic DNS", (1, 1, 1, 2, 3)),
    FamilySpec("email", "企业邮箱", "Business email", (5, 15, 50, 150, 400)),
    FamilySpec("site", "智能建站", "Website builder", (1, 1, 1, 1, 2)),
    FamilySpec("monitor", "服务器监控", "Server monitoring", (2, 5, 12, 30, 80)),
    FamilySpec("ssl", "SSL证书", "SSL certificates", (1, 1, 2, 3, 6)),
    FamilySpec("hosting", "云主机", "Cloud hosting", (1, 1, 2, 4, 8)),
    FamilySpec("remote", "远程控制 (向日葵)", "Remote access", (1, 2, 5, 10, 25)),
    FamilySpec("sdwan", "智能组网 (蒲公英)", "SD-WAN networking", (1, 2, 3, 6, 12)),
]


def _p(
    sku: str, name: str, family: str, kind: str, price: str, cost: str, tier: int
) -> ProductSpec:
    return ProductSpec(sku, name, family, kind, Decimal(price), Decimal(cost), tier)


PRODUCTS: list[ProductSpec] = [
    _p("DDNS-STD-Y", "花生壳 标准版（年付）", "ddns", ANNUAL, "168.00", "20.00", 0),
    _p("DDNS-PRO-Y", "花生壳 专业版（年付）", "ddns", ANNUAL, "398.00", "45.00", 1),
    _p("DDNS-ENT-Y", "花生壳 企业版（年付）", "ddns", ANNUAL, "1280.00", "150.00", 2),
    _p("DDNS-PRO-M", "花生壳 专业版（月付）", "ddns", MONTHLY, "39.00", "5.00", 1),
    _p("DDNS-BOX", "花生壳盒子 硬件", "ddns", ONE_TIME, "198.00", "95.00", 0),
    _p("DDNS-LIC", "花生壳 永久授权", "ddns", ONE_TIME, "980.00", "60.00", 1),
    _p("EMAIL-Y", "企业邮箱 标准版（每用户/年）", "email", ANNUAL, "120.00", "18.00", 0),
    _p("EMAIL-PRO-Y", "企业邮箱 尊享版（每用户/年）", "email", ANNUAL, "260.00", "35.00", 2),
    _p("EMAIL-M", "企业邮箱（每用户/月）", "email", MONTHLY, "12.00", "2.00", 0),
    _p("EMAIL-MIGRATE", "邮箱搬家服务", "email", ONE_TIME, "800.00", "300.00", 0),
    _p("SITE-BASIC-Y", "智能建站 基础版（年付）", "site", ANNUAL, "980.00", "120.00", 0),
    _p("SITE-BIZ-Y", "智能建站 商务版（年付）", "site", ANNUAL, "2680.00", "300.00", 1),
    _p("SITE-DESIGN", "网站定制设计", "site", ONE_TIME, "3800.00", "1900.00", 1),
    _p("MON-Y", "服务器监控（每节点/年）", "monitor", ANNUAL, "150.00", "20.00", 0),
    _p("MON-M", "服务器监控（每节点/月）", "monitor", MONTHLY, "15.00", "2.00", 0),
    _p("MON-SETUP", "监控部署服务", "monitor", ONE_TIME, "500.00", "200.00", 0),
    _p("SSL-DV-Y", "SSL证书 DV（年付）", "ssl", ANNUAL, "399.00", "80.00", 0),
    _p("SSL-OV-Y", "SSL证书 OV（年付）", "ssl", ANNUAL, "2980.00", "900.00", 1),
    _p("SSL-EV-Y", "SSL证书 EV（年付）", "ssl", ANNUAL, "6800.00", "2400.00", 2),
    _p("HOST-L-Y", "云主机 标准型（年付）", "hosting", ANNUAL, "3580.00", "1500.00", 0),
    _p("HOST-S-M", "云主机 入门型（月付）", "hosting", MONTHLY, "89.00", "40.00", 0),
    _p("HOST-M-M", "云主机 增强型（月付）", "hosting", MONTHLY, "299.00", "130.00", 1),
    _p("REMOTE-PRO-Y", "向日葵 专业版（年付）", "remote", ANNUAL, "298.00", "30.00", 0),
    _p("REMOTE-TEAM-Y", "向日葵 团队版（年付）", "remote", ANNUAL, "1980.00", "200.00", 1),
    _p("REMOTE-PLUG", "向日葵开机插座", "remote", ONE_TIME, "99.00", "45.00", 0),
    _p("SDWAN-R300", "蒲公英路由器 R300", "sdwan", ONE_TIME, "399.00", "210.00", 0),
    _p("SDWAN-SVC-Y", "蒲公英组网服务（年付）", "sdwan", ANNUAL, "688.00", "90.00", 0),
    _p("SDWAN-SVC-M", "蒲公英组网服务（月付）", "sdwan", MONTHLY, "68.00", "9.00", 0),
]
