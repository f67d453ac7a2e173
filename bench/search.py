"""Search benchmark: both engines side by side on a synthetic archive, in one run.

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--queries 200]

Builds realistic Chinese renovation text (a quarter of it in Traditional characters)
and prints, per engine and size: index build rate (versions/s, docgen's analysis
included), index size, and query latency p50/p95 for a 2-character term, two terms,
a phrase and a filtered query. Targets: at 100,000 versions the faster engine answers
with p95 <= 20 ms and rebuilds >= 1,000 versions/s; whoosh at 10,000: p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docgen.archive.search import (
    Filters,
    IndexDoc,
    TantivyEngine,
    WhooshEngine,
    parse_query,
)

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红文俊"
CITIES = ["上海市浦东新区", "上海市徐汇区", "北京市朝阳区", "北京市海淀区", "广州市天河区", "深圳市南山区", "杭州市西湖区", "成都市武侯区"]
ESTATES = ["望京西园", "张江汤臣豪园", "漕溪北路小区", "翠湖天地", "万科城市花园", "保利香槟国际", "绿地海珀", "碧桂园"]
ROOMS = ["主卫", "客卫", "厨房", "客厅", "主卧", "次卧", "阳台", "书房", "餐厅", "玄关"]
WORKS = [
    ("卫生间防水", "㎡", 168), ("闭水试验", "项", 300), ("墙砖铺贴", "㎡", 85), ("地砖铺贴", "㎡", 78),
    ("石膏板吊顶", "㎡", 110), ("墙面腻子及乳胶漆", "㎡", 38), ("PPR给水管暗改", "m", 65), ("电路暗改", "m", 38),
    ("拆除非承重墙", "㎡", 45), ("地面找平", "㎡", 38), ("包立管", "m", 95), ("室内门安装", "套", 120),
]
PROBLEMS = ["墙砖空鼓", "地砖空鼓率超标", "防水层渗漏", "吊顶开裂", "乳胶漆流坠", "插座未接地", "等电位未接线",
            "给水管打压不合格", "地漏排水不畅", "门套变形"]
KINDS = [("quote", "装修工程报价单"), ("contract", "家庭居室装饰装修工程施工合同"),
         ("rectification", "整改通知书"), ("acceptance", "竣工验收报告"), ("warranty", "装饰装修工程保修卡")]
PREFIX = {"quote": "BJ", "contract": "HT", "rectification": "ZG", "acceptance": "YS", "warranty": "BX"}


def corpus(n: int, seed: int = 42) -> list[IndexDoc]:
    import opencc

    s2t = opencc.OpenCC("s2t")
    rng = random.Random(seed)
    docs = []
    seq: dict[tuple[str, int], int] = {}
    for i in range(n):
        kind, title = KINDS[i % len(KINDS)]
        year = 2024 + (i % 3)
        seq[(kind, year)] = seq.get((kind, year), 0) + 1
        number = f"{PREFIX[kind]}-{year}-{seq[(kind, year)]:06d}"
        customer = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
        address = f"{rng.choice(CITIES)}{rng.choice(ESTATES)}{rng.randint(1, 30)}号{rng.randint(101, 2802)}室"
        lines = [f"{title} 编号：{number} 客户：{customer} 工程地址：{address}"]
        for _ in range(rng.randint(8, 18)):
            work, unit, price = rng.choice(WORKS)
            room = rng.choice(ROOMS)
            qty = round(rng.uniform(1, 60), 1)
            lines.append(f"{room}{work} | {unit} | {qty} | {price:.2f} | {qty * price:,.2f} | 按规范施工，材料品牌以选材单为准")
        for _ in range(rng.randint(1, 4)):
            lines.append(f"{rng.choice(ROOMS)}：{rng.choice(PROBLEMS)}，依据 GB 50210-2018，限期整改后复查。")
        body = "\n".join(lines)
        if i % 4 == 3:  # a quarter written in Traditional characters
            body, customer, address = s2t.convert(body), s2t.convert(customer), s2t.convert(address)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        docs.append(IndexDoc(number, 1, kind, "issued", True, f"P-{year}-{i % 5000:04d}", customer, address,
                             f"{title} {number}", body, year * 10000 + month * 100 + day))
    return docs


QUERIES = {
    "2-char term": ("空鼓", Filters()),
    "two terms": ("卫生间 渗漏", Filters()),
    "phrase": ('"卫生间防水"', Filters()),
    "filtered": ("防水", Filters(kind="acceptance", date_from=__import__("datetime").date(2025, 1, 1))),
}


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--engines", default="tantivy,whoosh")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    rows = []
    for size in sizes:
        docs = corpus(size)
        for name in args.engines.split(","):
            work = Path(tempfile.mkdtemp(prefix=f"docgen-search-{name}-"))
            engine = (WhooshEngine if name == "whoosh" else TantivyEngine)(work / name)
            t = time.perf_counter()
            batch = 5000
            for i in range(0, size, batch):
                engine.replace({d.number: [d] for d in docs[i : i + batch]}, fresh=True)
            build = time.perf_counter() - t
            row = {"engine": name, "size": size, "rate": size / build, "mb": engine.size() / 1e6}
            for label, (q, filters) in QUERIES.items():
                node = parse_query(q)
                engine.search(node, filters, 20)  # warm
                lat = []
                hits = 0
                for _ in range(args.queries):
                    t = time.perf_counter()
                    hits = len(engine.search(node, filters, 20))
                    lat.append((time.perf_counter() - t) * 1000)
                row[label] = (statistics.median(lat), percentile(lat, 95), hits)
            rows.append(row)
            engine.close()
            shutil.rmtree(work, ignore_errors=True)
            cells = "  ".join(f"{row[k][0]:.1f}/{row[k][1]:.1f}" for k in QUERIES)
            print(f"done: {name} {size}: {row['rate']:,.0f}/s {row['mb']:.1f} MB  p50/p95 ms {cells}",
                  file=sys.stderr, flush=True)
    print(f"{'engine':<8} {'versions':>9} {'build/s':>9} {'size MB':>8}  " +
          "  ".join(f"{k + ' p50/p95 ms':>26}" for k in QUERIES))
    for r in rows:
        cells = "  ".join(f"{r[k][0]:>9.2f} / {r[k][1]:>7.2f} ({r[k][2]:>2})" for k in QUERIES)
        print(f"{r['engine']:<8} {r['size']:>9,} {r['rate']:>9,.0f} {r['mb']:>8.1f}  {cells}")


if __name__ == "__main__":
    main()
