from shequ.lib.masking import escape_spreadsheet_cell, mask_id_number, mask_middle, mask_phone


def test_masks():
    assert mask_id_number("21010219900101123X") == "2101**********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_middle("张三丰", keep_start=1, keep_end=0) == "张**"
    assert mask_phone("") == ""
    assert mask_id_number("123") == "***"


def test_formula_cells_are_escaped():
    for value in ["=1+1", "+86", "-2", "@SUM(A1)"]:
        assert escape_spreadsheet_cell(value) == "'" + value
    assert escape_spreadsheet_cell("沈阳") == "沈阳"
    assert escape_spreadsheet_cell(5) == 5
