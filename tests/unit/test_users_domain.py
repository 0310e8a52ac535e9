import pytest

from chalicelib.users.domain import _common_passwords, normalize_email, password_problems

TOO_SHORT = "This password is too short. It must contain at least 8 characters."
NUMERIC = "This password is entirely numeric."
COMMON = "This password is too common."
SIMILAR_TO_EMAIL = "The password is too similar to the email address."
SIMILAR_TO_FIRST_NAME = "The password is too similar to the first name."
SIMILAR_TO_LAST_NAME = "The password is too similar to the last name."

UNRELATED_EMAIL = "buyer@example.com"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("John.Smith@Example.COM", "john.smith@example.com"),
        ("  buyer@example.com\t\n", "buyer@example.com"),
        ("  MiXeD@Case.Org  ", "mixed@case.org"),
        ("already@normal.com", "already@normal.com"),
    ],
)
def test_normalize_email_lowercases_and_strips(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


def test_acceptable_password_has_no_problems() -> None:
    assert password_problems("Tr0ub4dor&3x9", email=UNRELATED_EMAIL, first_name="Ann", last_name="Lee") == []


def test_password_of_exactly_minimum_length_is_not_too_short() -> None:
    assert password_problems("vk3#Qz9w", email=UNRELATED_EMAIL) == []


def test_password_shorter_than_eight_characters_is_too_short() -> None:
    assert password_problems("vk3#Qz9", email=UNRELATED_EMAIL) == [TOO_SHORT]


def test_entirely_numeric_password_is_rejected() -> None:
    password = "80417263951"
    assert password not in _common_passwords()
    assert password_problems(password, email=UNRELATED_EMAIL) == [NUMERIC]


@pytest.mark.parametrize("password", ["password", "qwerty123", "sunshine", "PassWord", "  password  "])
def test_common_password_is_rejected_regardless_of_case_and_spaces(password: str) -> None:
    assert password.lower().strip() in _common_passwords()
    assert password_problems(password, email=UNRELATED_EMAIL) == [COMMON]


def test_shipped_common_password_list_is_django_sized() -> None:
    assert len(_common_passwords()) > 19_000


@pytest.mark.parametrize("password", ["johnsmith", "smith123x", "JohnSmith@example"])
def test_password_similar_to_email_is_rejected(password: str) -> None:
    assert password_problems(password, email="john.smith@example.com") == [SIMILAR_TO_EMAIL]


def test_password_similar_to_first_name_is_rejected() -> None:
    problems = password_problems("marguerite1", email=UNRELATED_EMAIL, first_name="Marguerite", last_name="Oyelaran")
    assert problems == [SIMILAR_TO_FIRST_NAME]


def test_password_similar_to_last_name_is_rejected() -> None:
    problems = password_problems("oyelaran99", email=UNRELATED_EMAIL, first_name="Marguerite", last_name="Oyelaran")
    assert problems == [SIMILAR_TO_LAST_NAME]


def test_similarity_reports_only_the_first_matching_attribute() -> None:
    problems = password_problems("marguerite1", email="marguerite@example.com", first_name="Marguerite")
    assert problems == [SIMILAR_TO_FIRST_NAME]


def test_empty_names_are_not_compared() -> None:
    assert password_problems("Tr0ub4dor&3x9", email=UNRELATED_EMAIL, first_name="", last_name="") == []


def test_short_attribute_far_shorter_than_password_is_ignored() -> None:
    assert password_problems("al-gorithmic-Tide-7", email=UNRELATED_EMAIL, first_name="Al") == []


def test_all_problems_are_reported_together() -> None:
    assert password_problems("123", email=UNRELATED_EMAIL) == [TOO_SHORT, NUMERIC, COMMON]


def test_short_common_and_similar_password_reports_each_rule() -> None:
    problems = password_problems("smith", email="john.smith@example.com")
    assert problems == [TOO_SHORT, COMMON, SIMILAR_TO_EMAIL]
