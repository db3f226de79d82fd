import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from shequ.lib.identifiers import USCC_ALPHABET, normalize_mobile, normalize_uscc, validate_id_number
from tests.factories import uscc as with_uscc_check
from tests.factories import with_check_digit

# Region codes in force at some time in Liaoning: current districts, an abolished county, and one
# whose code dates from 1983 held by someone born earlier.
REGIONS = ["210102", "210103", "210122", "210181", "210124", "210202"]

dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2024, 12, 31))
orders = st.integers(min_value=0, max_value=999)


@given(region=st.sampled_from(REGIONS), birth=dates, order=orders)
def test_every_well_formed_number_is_accepted_and_decoded(region, birth, order):
    number = with_check_digit(f"{region}{birth:%Y%m%d}{order:03d}")
    facts = validate_id_number(number)
    assert facts.number == number
    assert facts.birth_date == birth
    assert facts.region_code == region
    assert facts.sex == ("M" if order % 2 else "F")


@given(region=st.sampled_from(REGIONS), birth=dates, order=orders, wrong=st.sampled_from("0123456789X"))
def test_a_wrong_check_digit_is_always_rejected(region, birth, order, wrong):
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    assume(wrong != ric.calc_check_digit(body + "0"))
    with pytest.raises(ValidationError) as exc:
        validate_id_number(body + wrong)
    assert exc.value.code == "checksum"


@settings(max_examples=200)
@given(st.text(max_size=25))
def test_arbitrary_text_never_crashes(text):
    try:
        validate_id_number(text)
    except ValidationError as exc:
        assert exc.messages


def test_lowercase_x_and_spaces_are_normalised():
    number = with_check_digit("21010219900101004")
    assert number.endswith("X")  # GB 11643 writes the check value 10 as X
    assert validate_id_number(number[:-1] + "x").number == number
    assert validate_id_number(f" {number[:6]} {number[6:]} ").number == number


FULLWIDTH = str.maketrans("0123456789Xx+-() ", "０１２３４５６７８９Ｘｘ＋－（）\u3000")


@given(region=st.sampled_from(REGIONS), birth=dates, order=orders)
def test_a_number_typed_full_width_is_the_number_it_shows(region, birth, order):
    # A Chinese input method types ２１０１…Ｘ: read as the digits, never a "wrong check digit".
    number = with_check_digit(f"{region}{birth:%Y%m%d}{order:03d}")
    assert validate_id_number(number.translate(FULLWIDTH)).number == number


def test_a_full_width_number_with_a_wrong_check_digit_is_still_a_checksum_error():
    number = with_check_digit("21010219560101001")
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    with pytest.raises(ValidationError) as exc:
        validate_id_number(wrong.translate(FULLWIDTH))
    assert exc.value.code == "checksum"


@pytest.mark.parametrize("value", ["２１０１０２１９５６０１０１００１٣", "21010219560101001\u0663"])
def test_digits_of_other_scripts_are_not_taken_for_digits(value):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code in ("format", "length")


def test_old_codes_and_codes_newer_than_the_holder_stay_valid():
    # 210122 辽中县 was abolished in 2016; cards issued before carry it.
    validate_id_number(with_check_digit("21012219700101001"))
    # 210102 和平区 dates from 1983: someone born in 1950 there legitimately holds it.
    number = with_check_digit("21010219500101001")
    assert not ric.is_valid(number)  # stdnum's birth-year rule would reject this real person
    assert validate_id_number(number).birth_date == datetime.date(1950, 1, 1)


@pytest.mark.parametrize(
    "value, code",
    [
        ("", "required"),
        ("2101021990010112", "length"),
        ("21010219900101123A", "format"),
        (with_check_digit("21010219900230123"), "birth_date"),  # 30 February
        (with_check_digit("21010221000101123"), "birth_date"),  # in the future
        (with_check_digit("99999919900101123"), "region"),  # a code that never existed
    ],
)
def test_bad_numbers_say_what_is_wrong_in_chinese(value, code):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.messages[0]), exc.value.messages


@given(prefix=st.sampled_from(["13", "15", "17", "18", "19"]), rest=st.integers(0, 10**9 - 1))
def test_mobile_numbers(prefix, rest):
    number = f"{prefix}{rest:09d}"
    assert normalize_mobile(number) == number
    assert normalize_mobile(f"+86 {number[:3]}-{number[3:7]}-{number[7:]}") == number


@pytest.mark.parametrize(
    "value",
    ["+86 138 1234 5678", "0086-138-1234-5678", "(+86)13812345678", "8613812345678", "138—1234—5678",
     "１３８１２３４５６７８", "＋８６　１３８－１２３４－５６７８"],
)  # fmt: skip
def test_mobile_numbers_as_people_write_them(value):
    assert normalize_mobile(value) == "13812345678"


@pytest.mark.parametrize("value", ["", "1381234567", "23812345678", "1381234567a", "123", "1381234567\u0663"])
def test_bad_mobile_numbers(value):
    with pytest.raises(ValidationError):
        normalize_mobile(value)


@given(
    head=st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    region=st.sampled_from(["210102", "210103", "110101"]),
    body=st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
def test_uscc_valid_codes_pass_and_corrupted_ones_fail(head, region, body):
    code = with_uscc_check(head + region + body)
    base = code[:-1]
    assert normalize_uscc(code.lower()) == code
    wrong = next(c for c in USCC_ALPHABET if c != code[-1])
    with pytest.raises(ValidationError):
        normalize_uscc(base + wrong)


@pytest.mark.parametrize("value", ["", "91210102MA0XXXXXX", "9121010IMA0QEXAM1X", "ZZ21010200000000001"])
def test_bad_uscc(value):
    with pytest.raises(ValidationError):
        normalize_uscc(value)
