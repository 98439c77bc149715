"""Vectorised fake identities: Chinese names, ID-card numbers, mobiles, places, comments."""

from __future__ import annotations

import numpy as np

SURNAMES = np.array(
    list(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    )
)
GIVEN_CHARS = np.array(
    list(
        "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰婷玉萍红鹏华飞辉燕雪琳晨宇浩然欣怡子轩梓涵一诺思远佳琪嘉欣俊杰建国志强海燕春梅文博晓东"
    )
)

# province, city, 6-digit administrative division code (ID-card prefix)
PLACES: tuple[tuple[str, str, str], ...] = (
    ("广东", "广州", "440106"),
    ("广东", "深圳", "440305"),
    ("广东", "东莞", "441900"),
    ("四川", "成都", "510107"),
    ("湖南", "长沙", "430104"),
    ("湖北", "武汉", "420106"),
    ("河南", "郑州", "410105"),
    ("江苏", "南京", "320106"),
    ("浙江", "杭州", "330106"),
    ("山东", "济南", "370102"),
    ("北京", "北京", "110101"),
    ("上海", "上海", "310104"),
    ("广西", "南宁", "450103"),
    ("福建", "福州", "350102"),
    ("陕西", "西安", "610113"),
)
PROVINCES = np.array([p[0] for p in PLACES])
CITIES = np.array([p[1] for p in PLACES])
DIVISIONS = np.array([p[2] for p in PLACES])

MOBILE_PREFIXES = np.array(
    [
        *("134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159"),
        *("182", "183", "187", "188", "178", "147", "195", "198"),
    ]
)

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))

POSITIVE_COMMENTS = (
    "客服态度很好，耐心解答",
    "问题一次就解决了，谢谢",
    "回复很快，专业",
    "办理5G套餐很顺利",
    "工作人员很热情",
    '解释清楚,"一次办好"',
)
NEUTRAL_COMMENTS = ("还可以", "等待时间有点长", "一般吧，希望更快一些", "流程有点复杂")
NEGATIVE_COMMENTS = (
    "问题没有解决，还要再打电话",
    "等了很久才接通",
    "客服不太专业，答非所问",
    "态度冷淡, 体验差",
    "宽带故障三天了还没修好",
    "携号转网太麻烦",
)


def chinese_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` Chinese full names (surname + one or two given characters)."""
    sur = rng.choice(SURNAMES, n)
    g1 = rng.choice(GIVEN_CHARS, n)
    g2 = np.where(rng.random(n) < 0.7, rng.choice(GIVEN_CHARS, n), "")
    return np.char.add(np.char.add(sur, g1), g2).astype(object)


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` mainland mobile numbers (``1`` + 10 digits)."""
    tail = rng.integers(0, 10**8, n)
    return np.char.add(rng.choice(MOBILE_PREFIXES, n), np.char.zfill(tail.astype(str), 8)).astype(
        object
    )


def id_card_numbers(
    rng: np.random.Generator, divisions: np.ndarray, birth: np.ndarray, male: np.ndarray
) -> np.ndarray:
    """18-character resident ID numbers with a valid ISO 7064 check character.

    ``birth`` is ``datetime64[D]``; the sequence digit is odd for men, even for women.
    """
    n = len(birth)
    ymd = np.datetime_as_string(birth, unit="D")
    ymd = np.char.replace(ymd, "-", "")
    seq = rng.integers(0, 50, n) * 2 + male.astype(int)
    body = np.char.add(np.char.add(divisions.astype(str), ymd), np.char.zfill(seq.astype(str), 3))
    digits = np.array([list(s) for s in body], dtype=int).reshape(n, 17) if n else np.zeros((0, 17))
    check = _ID_CHECK[(digits @ _ID_WEIGHTS).astype(int) % 11] if n else np.array([], dtype=str)
    return np.char.add(body, check).astype(object)


def birth_dates(
    rng: np.random.Generator, n: int, ref: np.datetime64, lo: int, hi: int
) -> np.ndarray:
    """Birth dates for ages uniformly between ``lo`` and ``hi`` years at ``ref``."""
    age_days = rng.integers(lo * 365, hi * 365, n)
    return (ref - age_days.astype("timedelta64[D]")).astype("datetime64[D]")


def survey_comments(rng: np.random.Generator, csat: np.ndarray) -> np.ndarray:
    """A Chinese free-text comment for about 40 % of responses, in tune with the score."""
    n = len(csat)
    pos = rng.choice(np.array(POSITIVE_COMMENTS, dtype=object), n)
    neu = rng.choice(np.array(NEUTRAL_COMMENTS, dtype=object), n)
    neg = rng.choice(np.array(NEGATIVE_COMMENTS, dtype=object), n)
    text = np.where(csat >= 4, pos, np.where(csat == 3, neu, neg))
    return np.where(rng.random(n) < 0.4, text, None)
