import datetime

from shequ.lib.masking import age_in_years, escape_spreadsheet_cell, mask_id_number, mask_middle, mask_phone


def test_masks():
    # The last four only: with the age and the sex beside it, about 100,000 numbers fit
    # (tests/residents/test_mask_candidates.py); the region's first four beside a birth date left one.
    assert mask_id_number("21010219900101123X") == "**************123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_middle("张三丰", keep_start=1, keep_end=0) == "张**"
    assert mask_phone("") == ""
    assert mask_id_number("123") == "***"


def test_age_in_whole_years():
    on = datetime.date(2025, 6, 15)
    assert age_in_years(datetime.date(1990, 6, 15), on) == 35
    assert age_in_years(datetime.date(1990, 6, 16), on) == 34
    assert age_in_years(on, on) == 0
    # Born on 29 February: a year older on 1 March of a common year.
    assert age_in_years(datetime.date(2000, 2, 29), datetime.date(2025, 2, 28)) == 24
    assert age_in_years(datetime.date(2000, 2, 29), datetime.date(2025, 3, 1)) == 25


def test_formula_cells_are_escaped():
    for value in ["=1+1", "+86", "-2", "@SUM(A1)"]:
        assert escape_spreadsheet_cell(value) == "'" + value
    assert escape_spreadsheet_cell("沈阳") == "沈阳"
    assert escape_spreadsheet_cell(5) == 5
