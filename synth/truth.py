"""Random declaration forms with known truth, in the golden format.

A truth record is what ``tests/golden/*.expected.jsonl`` holds for a real form::

    {"form_index", "header": {...contract header...}, "indicators": [{level1, level2, core,
     level3, value, explanation}], "calculation": {"terms": [{"factors": [...],
     "stated_yuan": ...}], "total_yuan": ...}, "finding_codes": [...]}

Every generator takes a ``random.Random`` so documents are reproducible from a seed.
"""
from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Iterator

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden" / "futian_hr_2025_declarations.expected.jsonl"

DISTRICTS = ["福田区", "罗湖区", "南山区", "宝安区", "龙岗区", "盐田区"]
BUREAUS = ["人力资源局", "教育局", "卫生健康局", "民政局", "文化广电旅游体育局", "司法局"]
CENTRES = ["综合事务中心", "服务中心", "信息中心", "培训中心", "管理所"]
PROJECTS = ["人才引进补贴", "职业技能培训", "就业见习补贴", "社区服务运营", "档案数字化", "设备维护",
            "公共法律服务", "老年人助餐", "青少年体育培训", "图书采购", "网络安全运维", "场地租赁"]
TYPES = [("01", "其他项目"), ("03", "专项资金项目"), ("31", "履职类项目"), ("21", "运转类项目")]
ALLOCATIONS = ["因素法和项目法", "项目法", "因素法"]
LEVEL2 = {
    "产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
    "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
    "满意度指标": ["服务对象满意度指标", "其他满意度指标"],
}
LABELS = ["大专生", "本科生", "硕士研究生", "培训人员", "见习人员", "场地租金", "设备维护", "专家评审",
          "资料印刷", "餐费补助", "交通补贴", "办公耗材"]
QTY_UNITS = ["人", "人次", "个月", "场", "批次", "台", "份", "平方米", "家", "天"]
GOALS = ["完成年度工作任务，提升服务质量和群众满意度。", "保障项目顺利实施，按期完成各项指标。",
         "通过补贴支持企业吸纳就业，稳定就业岗位。"]
POLICIES = ["《深圳市{d}关于进一步做好就业工作的若干措施》（深{d}发〔2023〕{n}号）",
            "《关于印发{d}专项资金管理办法的通知》", "根据《预算法》及{d}财政局相关规定"]


def load_golden(path: Path = GOLDEN) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _amount(rng: random.Random, lo: float, hi: float, places: int = 2) -> Decimal:
    return Decimal(str(round(rng.uniform(lo, hi), places)))


def random_term(rng: random.Random) -> tuple[str, list[Decimal], Decimal]:
    """One written term with its factors and product in 元: ``本科生300人*2000元/人=60万元``."""
    label = rng.choice(LABELS)
    qty = Decimal(rng.randint(2, 400))
    unit = rng.choice(QTY_UNITS)
    rate = Decimal(rng.choice([50, 84, 100, 200, 500, 1000, 1500, 2360, 2500, 4500]))
    factors = [qty, rate]
    text = f"{label}{qty}{unit}*{rate}元/{unit}"
    if rng.random() < 0.4:
        months = Decimal(rng.choice([3, 6, 10, 12]))
        factors.append(months)
        text += f"*{months}个月"
    product = qty * rate * (factors[2] if len(factors) > 2 else 1)
    if product % 100 == 0 and rng.random() < 0.7:
        text += f"={(product / 10000).normalize():f}万元"
    else:
        text += f"={product:f}元"
    return text, factors, product


def random_form(rng: random.Random, index: int = 0) -> dict:
    """A random, internally consistent form (its declared amount equals its calculation)."""
    district = rng.choice(DISTRICTS)
    terms = [random_term(rng) for _ in range(rng.randint(1, 4))]
    total = sum(p for _, _, p in terms)
    annual = (total / 10000).quantize(Decimal("0.01"))  # declared in 万元, two places
    calc_text = "".join(f"{i + 1}、{t}；" for i, (t, _, _) in enumerate(terms))
    calc_text += f"以上合计{annual:f}万元。"
    code, type_name = rng.choice(TYPES)
    period = rng.randint(1, 6)
    header = {
        "project_code": "4403" + "".join(rng.choice("0123456789") for _ in range(17)),
        "project_name": f"{district}{rng.choice(PROJECTS)}",
        "applicant_unit": f"深圳市{district}{rng.choice(BUREAUS)}{rng.choice(CENTRES)}",
        "primary_budget_unit": f"深圳市{district}{rng.choice(BUREAUS)}（本级）",
        "implementation_period": period,
        "project_type_code": code,
        "project_type_name": type_name,
        "is_new_project": rng.random() < 0.3,
        "allocation_method": rng.choice(ALLOCATIONS),
        "total_amount": float((annual * period).quantize(Decimal("0.01"))),
        "annual_amount": float(annual),
        "policy_basis": rng.choice(POLICIES).format(d=district, n=rng.randint(1, 30)),
        "calculation_basis": calc_text,
        "annual_goal": rng.choice(GOALS),
        "long_term_goal": rng.choice(GOALS),
    }
    indicators = []
    for level1, level2s in LEVEL2.items():
        for level2 in rng.sample(level2s, k=rng.randint(1, len(level2s))):
            for _ in range(rng.randint(1, 2)):
                value = rng.choice(["≥95%", "100%", f"{rng.randint(1, 900)}人次", "1年", "良好", "不适用",
                                    f"≤{rng.randint(50, 100)}%", f"{_amount(rng, 1, 500)}万元"])
                name = rng.choice(["补贴发放人数", "工作完成率", "资金到位率", "服务对象满意度", "政策知晓率"])
                indicators.append({
                    "level1": level1, "level2": level2, "core": rng.random() < 0.6,
                    "level3": name, "value": value, "explanation": f"{name}，按{rng.choice(['年度', '季度'])}统计",
                })
    return {
        "form_index": index,
        "header": header,
        "indicators": indicators,
        "calculation": {
            "terms": [{"factors": [float(f) for f in fs], "stated_yuan": float(p)} for _, fs, p in terms],
            "total_yuan": float(annual * 10000),  # the stated grand total (以上合计)
        },
        "finding_codes": [],
    }


def merged_spans(indicators: list[dict]) -> list[tuple[int, int]]:
    """How a form lays out its merged 一级/二级 cells: for each indicator row, the rowspan of the
    一级指标 cell that starts there and of the 二级指标 cell that starts there (0: covered by a
    cell above). A 二级 cell never crosses a 一级 boundary; ``*`` (core) is part of its name."""
    out = []
    for i, r in enumerate(indicators):
        n1 = n2 = 0
        if i == 0 or indicators[i - 1]["level1"] != r["level1"]:
            n1 = 1
            while i + n1 < len(indicators) and indicators[i + n1]["level1"] == r["level1"]:
                n1 += 1
        key = (r["level2"], r["core"])
        if n1 or (indicators[i - 1]["level2"], indicators[i - 1]["core"]) != key:
            n2 = 1
            while (i + n2 < len(indicators) and indicators[i + n2]["level1"] == r["level1"]
                   and (indicators[i + n2]["level2"], indicators[i + n2]["core"]) == key):
                n2 += 1
        out.append((n1, n2))
    return out


def random_forms(seed: int, n: int) -> Iterator[dict]:
    rng = random.Random(seed)
    for i in range(n):
        yield random_form(rng, i)
