"""Receipt codes are unambiguous, typed back in any form, and stored only as a hash."""
from coalition.consultations import receipts
from coalition.consultations.cells import hide_small_cells


def test_a_new_code_reads_back_the_same_typed_in_lower_case_without_dashes():
    code = receipts.new_code()
    assert len(code) == 14 and code.count("-") == 2
    assert receipts.normalise_code(code.lower().replace("-", "")) == code
    assert receipts.normalise_code(f" {code.lower()} ") == code


def test_codes_do_not_repeat():
    assert len({receipts.new_code() for _ in range(2000)}) == 2000


def test_what_cannot_be_a_code_is_refused():
    for typed in ("", "ABCD", "ABCD-EFGH-IJK0", "x" * 500, "ABCD-EFGH-JKLM-N", None, 12):
        assert receipts.normalise_code(typed) is None


def test_the_stored_hash_is_not_the_code():
    code = receipts.new_code()
    assert receipts.code_hash(code) != code
    assert receipts.code_hash(code) == receipts.code_hash(receipts.normalise_code(code.lower()))


def test_the_text_fingerprint_ignores_case_accents_and_spacing(app):
    assert receipts.text_hash("Más  datos ABIERTOS") == receipts.text_hash("mas datos abiertos ")
    assert receipts.text_hash("más datos") != receipts.text_hash("menos datos")


def test_the_address_fingerprint_depends_on_the_secret_key(app):
    first = receipts.source_hash("203.0.113.7")
    app.config["SECRET_KEY"] = "another secret key for this test only"
    assert receipts.source_hash("203.0.113.7") != first
    assert receipts.source_hash(None) is None


def test_cells_of_fewer_than_five_people_are_hidden_and_so_is_a_small_remainder():
    shown, hidden = hide_small_cells({"academia": 12, "industry": 5, "government": 4, "individual": 2})
    assert shown == {"academia": 12, "industry": 5}
    assert hidden == 6


def test_one_small_cell_is_never_left_to_be_worked_out_by_subtraction():
    # 12 + 3 = 15 people: showing 12 beside the total would give the 3 away.
    shown, hidden = hide_small_cells({"academia": 12, "industry": 7, "government": 3})
    assert shown == {"academia": 12} and hidden == 10
    assert sum(shown.values()) + hidden == 22


def test_nothing_is_shown_when_everything_is_small():
    assert hide_small_cells({"academia": 3, "industry": 1}) == ({}, 0)
    assert hide_small_cells({}) == ({}, 0)
