"""``check_breakdown``: an amount that is not the sum of the parts its family declares
(``[sums]`` in ``data/layouts``) gets ``TOTAL_MISMATCH`` on the total. The amounts below are
those of a Shanghai form in the office fixtures (calc_flowing_total_label_printed_after_its_parts,
printed in 元, held in 万元), then the same form with one amount read off by a cent or swapped."""
from __future__ import annotations

from decimal import Decimal

from pipeline.models import Form, Header, Source
from pipeline.settings import Settings
from pipeline.validate import check_breakdown

# 项目资金总额 7,225,736.75 = 财政资金 7,215,549.84 + 其他资金 10,186.91;
# 年度资金申请总额 6,285,110.78 = 当年财政拨款 6,285,110.78 + 上年结转资金 0.00 + 其他资金 0.00
TOTAL, FISCAL, OTHER = Decimal("722.573675"), Decimal("721.554984"), Decimal("1.018691")
ANNUAL, APPROPRIATION = Decimal("628.511078"), Decimal("628.511078")


def _form(layout="shanghai_project", total=TOTAL, annual=ANNUAL, **extra) -> Form:
    amounts = {"fiscal_funds_total": FISCAL, "other_funds_total": OTHER,
               "annual_fiscal_appropriation": APPROPRIATION, "prior_year_carryover": Decimal(0),
               "annual_other_funds": Decimal(0)}
    amounts.update(extra)
    return Form(source=Source(path="x.txt", sha256="0", kind="text", form_index=0), layout=layout,
                header=Header(total_amount=total, annual_amount=annual),
                header_extra={k: v for k, v in amounts.items() if v is not None})


def _found(form: Form) -> dict[str, str]:
    found = check_breakdown(form, Settings())
    assert all(f.code == "TOTAL_MISMATCH" and f.severity == "error" for f in found)
    return {f.field: f.message for f in found}


def test_amounts_that_add_up_raise_nothing():
    assert _found(_form()) == {}


def test_a_part_misread_by_a_digit_is_named_on_its_total():
    found = _found(_form(other_funds_total=Decimal("1.018697")))  # 10,186.97 元 (1 read as 7)
    assert list(found) == ["total_amount"]
    assert "difference -0.000006 万元" in found["total_amount"]
    # a cent is within the rounding of three amounts printed to the cent: not a finding
    assert _found(_form(other_funds_total=Decimal("1.018692"))) == {}


def test_amounts_read_onto_each_others_labels_break_both_sums():
    # the fiscal funds and the year's appropriation swapped: each total is off by their difference
    found = _found(_form(fiscal_funds_total=APPROPRIATION, annual_fiscal_appropriation=FISCAL))
    assert sorted(found) == ["annual_amount", "total_amount"]


def test_a_sum_with_a_part_not_read_is_not_checked():
    assert _found(_form(other_funds_total=None)) == {}


def test_families_without_sums_and_unknown_forms_raise_nothing():
    assert _found(_form(layout="futian_2level", other_funds_total=Decimal(5))) == {}
    assert _found(_form(layout="unknown", other_funds_total=Decimal(5))) == {}


def test_wan_amounts_are_checked_to_their_written_precision():
    # a 项目绩效目标表 prints 万元 to two places: 3005.59 = 2994.26 + 11.33; 11.35 is off by more
    # than the three amounts' rounding (0.005 万元 each), 11.34 is not
    ok = Form(source=Source(path="x.txt", sha256="0", kind="text", form_index=0), layout="project_target_table",
              header=Header(total_amount=Decimal("3005.59")),
              header_extra={"fiscal_funds_total": Decimal("2994.26"), "other_funds_total": Decimal("11.33")})
    assert _found(ok) == {}
    near = ok.model_copy(update={"header_extra": {**ok.header_extra, "other_funds_total": Decimal("11.34")}})
    assert _found(near) == {}
    off = ok.model_copy(update={"header_extra": {**ok.header_extra, "other_funds_total": Decimal("11.35")}})
    assert list(_found(off)) == ["total_amount"]


def test_an_amount_of_the_sums_the_form_lacks_is_named(tmp_path):
    """A generated Shanghai form as a tab dump, then the same with its first 其他资金 amount
    left blank: the blank one's ``MISSING_FIELD`` (a warning: a ``header_extra`` amount the
    sum needs) names it; the whole form raises none."""
    from extractors import convert
    from synth.families import random_family_forms, render_dump

    truth, grid = random_family_forms("shanghai_project", 1, 1)[0]
    text = render_dump([grid])
    printed = f"{Decimal(str(truth['header_extra']['other_funds_total'])) * 10_000:,.2f}"  # 元, as printed
    assert f"其他资金\t{printed}" in text
    whole, blank = tmp_path / "whole.txt", tmp_path / "blank.txt"
    whole.write_text(text, encoding="utf-8")
    blank.write_text(text.replace(f"其他资金\t{printed}", "其他资金\t", 1), encoding="utf-8")
    assert not [f for f in convert(whole).forms[0].findings if f.code == "MISSING_FIELD"]
    missing = [f for f in convert(blank).forms[0].findings if f.code == "MISSING_FIELD"]
    assert [(f.field, f.severity) for f in missing] == [("other_funds_total", "warning")]
