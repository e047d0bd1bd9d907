"""The demo brand's literal data: Zhiyu Auto (智御汽车), its staff, partner, cities, models,
channels, names, articles, events, tag groups and the notes staff write. ``koc.demo`` draws
from it with a seeded generator; change the brand here, the seeding there.
"""

from __future__ import annotations

from koc.auth.models import PartnerScope, StaffRole
from koc.members.models import TagFamily

BRAND = "Zhiyu Auto (智御汽车)"
DEMO_PARTNER = "Dealer DMS (demo)"
DEMO_PARTNER_SCOPES = [
    PartnerScope.ORDERS_WRITE,
    PartnerScope.EVENTS_WRITE,
    PartnerScope.MEMBERS_READ,
    PartnerScope.PRIVILEGES_REDEEM,
    PartnerScope.REFERRALS_READ,
    PartnerScope.BADGES_VERIFY,
]
DEMO_STAFF = [
    ("admin", StaffRole.ADMIN),
    ("operator", StaffRole.OPERATOR),
    ("analyst", StaffRole.ANALYST),
]
CURRENCY = "CNY"


def demo_password(username: str) -> str:
    """The documented password of a demo staff account: ``koc-demo-<username>``."""
    return f"koc-demo-{username}"


# --- the brand's world -------------------------------------------------------------------

# (city, weight, showroom)
CITIES = [
    ("Shanghai", 18, "Zhiyu Space Shanghai Jing'an"),
    ("Beijing", 14, "Zhiyu Space Beijing Sanlitun"),
    ("Shenzhen", 11, "Zhiyu Space Shenzhen Futian"),
    ("Hangzhou", 9, "Zhiyu Space Hangzhou Xihu"),
    ("Guangzhou", 8, "Zhiyu Space Guangzhou Tianhe"),
    ("Chengdu", 8, "Zhiyu Space Chengdu Taikoo Li"),
    ("Nanjing", 6, "Zhiyu Space Nanjing Xinjiekou"),
    ("Suzhou", 6, "Zhiyu Space Suzhou Jinji Lake"),
    ("Hefei", 6, "Zhiyu Space Hefei Binhu"),
    ("Wuhan", 5, "Zhiyu Space Wuhan Optics Valley"),
    ("Xi'an", 4, "Zhiyu Space Xi'an Qujiang"),
    ("Chongqing", 5, "Zhiyu Space Chongqing Jiefangbei"),
]
# (model, price in CNY, kind)
MODELS = [
    ("ZY5 sedan", 298_000, "sedan"),
    ("ZY6 SUV", 338_000, "suv"),
    ("ZY7 coupe SUV", 368_000, "suv"),
    ("ZY8 7-seat SUV", 418_000, "seven"),
]
# (member.source_channel, tag name, weight)
CHANNELS = [
    ("wechat_article", "WeChat article", 24),
    ("moments_ad", "Moments ad", 16),
    ("friend_referral", "Friend referral", 22),
    ("showroom_visit", "Showroom visit", 14),
    ("auto_show", "Auto show", 8),
    ("douyin", "Douyin video", 10),
    ("xiaohongshu", "Xiaohongshu note", 6),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
)
MALE_GIVEN = [
    "伟",
    "磊",
    "勇",
    "军",
    "杰",
    "涛",
    "明",
    "超",
    "浩然",
    "子轩",
    "宇航",
    "志强",
    "建国",
]
FEMALE_GIVEN = ["芳", "娜", "敏", "静", "艳", "娟", "欣怡", "思琪", "雨桐", "晓雯", "婷", "佳怡"]
LATIN_NAMES = ["Kevin", "Leo", "Eric", "Jason", "Lily", "Grace", "Cindy", "Tony", "Amy", "Max"]
HANDLES = [
    "晴天",
    "风一样的男子",
    "小确幸",
    "追光者",
    "南山南",
    "一路向北",
    "橙子",
    "阿木",
    "电车小白",
]

ARTICLES = [
    "How battery swap works: 3 minutes, full range",
    "ZY6 winter range test in Harbin",
    "Owner story: 100,000 km in a ZY8",
    "Home charger installation, step by step",
    "ZY5 vs. a German sports sedan on the Tianmashan circuit",
    "What the NOP+ driver assist can and cannot do",
]
EVENTS = [
    "Zhiyu Day 2024 watch party",
    "Owner coffee morning",
    "Family open day at Zhiyu Space",
    "Self-driving tour to Moganshan",
    "Winter driving school",
    "New ZY7 launch night",
]
PLATFORMS = ["Xiaohongshu", "Douyin", "WeChat Moments", "Bilibili", "Dongchedi"]
CONTENT = [
    "Six months with the ZY6: honest review",
    "Battery swap at 2 a.m. on the Shanghai-Hangzhou expressway",
    "Camping setup for the ZY8",
    "Road trip to Sichuan with two kids",
    "Our ZY5 wedding car",
]

# Tag groups in the four families: (name, family, exclusive, description, [(tag, visible, desc)])
TAG_GROUPS: list[tuple[str, TagFamily, bool, str, list[tuple[str, bool, str]]]] = [
    (
        "Region",
        TagFamily.SOCIAL,
        True,
        "City of the member, from the WeChat profile or the showroom",
        [(city, False, "") for city, _, _ in CITIES],
    ),
    (
        "Age band",
        TagFamily.SOCIAL,
        True,
        "From the registration form",
        [(band, False, "") for band in ["18-24", "25-34", "35-44", "45-54", "55+"]],
    ),
    (
        "Budget",
        TagFamily.CONSUMPTION,
        True,
        "What the member plans to spend on the car, from 1-on-1 chats",
        [
            ("Under 300k CNY", False, ""),
            ("300k-400k CNY", False, ""),
            ("Over 400k CNY", False, ""),
        ],
    ),
    (
        "Preference",
        TagFamily.CONSUMPTION,
        True,
        "Space versus driving feel: what wins the argument at home",
        [
            ("Space first", False, "Family car, third row, boot size"),
            ("Driving feel first", False, "Handling, acceleration, the drive itself"),
            ("Smart cockpit first", False, "Screens, voice assistant, driver assist"),
        ],
    ),
    (
        "Previous car",
        TagFamily.CONSUMPTION,
        False,
        "What the member drove before, from 1-on-1 chats and trade-ins",
        [
            ("Petrol sedan", False, ""),
            ("Petrol SUV", False, ""),
            ("Another EV", False, ""),
            ("First car", False, ""),
        ],
    ),
    (
        "Source channel",
        TagFamily.BEHAVIOR,
        True,
        "Where the member first came from",
        [(name, False, "") for _, name, _ in CHANNELS],
    ),
    (
        "Activities",
        TagFamily.BEHAVIOR,
        False,
        "What the member has done with the brand",
        [
            ("Test drive", True, "Took a test drive"),
            ("Brand event", True, "Came to an event at a Zhiyu Space"),
            ("Content creator", True, "Posted about Zhiyu on social media"),
            ("Reader", False, "Reads the brand articles"),
        ],
    ),
    (
        "Tier",
        TagFamily.TIER,
        True,
        "The member layer shown in the mini-program",
        [
            ("Explorer", True, "Registered"),
            ("Silver", True, "Owns a Zhiyu"),
            ("Gold", True, "Owner with three or more purchases"),
        ],
    ),
]

# What staff note after a 1-on-1 chat, per (group, tag).
MANUAL_NOTES: dict[tuple[str, str], list[str]] = {
    ("Budget", "Under 300k CNY"): [
        "1-on-1 at the showroom: budget under 300k, asked about battery rental",
        "WeCom chat: wants to stay below 300k with the subsidy",
    ],
    ("Budget", "300k-400k CNY"): [
        "1-on-1: budget about 350k, financing over 3 years",
        "Phone call: 300k-400k, comparing with a Model Y",
    ],
    ("Budget", "Over 400k CNY"): [
        "1-on-1: budget is not the issue, wants the top trim",
        "Showroom: company car, over 400k is fine",
    ],
    ("Preference", "Space first"): [
        "Two kids and parents visit often; asked about third-row legroom",
        "Measured the boot with a stroller during the visit",
    ],
    ("Preference", "Driving feel first"): [
        "Took the test drive twice; loves the steering, asked about the performance pack",
        "Former track-day driver, cares about 0-100 times",
    ],
    ("Preference", "Smart cockpit first"): [
        "Spent the whole visit with the voice assistant",
        "Asked detailed questions about driver assist on city roads",
    ],
    ("Previous car", "Petrol sedan"): [
        "Trading in a 2015 Passat",
        "Drives a 2017 BMW 3 Series, lease ends this year",
    ],
    ("Previous car", "Petrol SUV"): [
        "Trading in a 2016 Audi Q5",
        "Family owns a Highlander, wants an EV as the second car",
    ],
    ("Previous car", "Another EV"): [
        "Owns a BYD Han, range anxiety on long trips",
        "Switching from a Tesla Model 3, likes battery swap",
    ],
    ("Previous car", "First car"): [
        "Just got the licence, first car for the family",
        "First car, parents are co-paying",
    ],
}


# --- building blocks ------------------------------------------------------------------------
