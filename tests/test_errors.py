"""netinv.errors: the exception hierarchy, its exit codes, and one-line messages."""

import pytest

from netinv import errors
from netinv.errors import (
    InputError,
    InvalidContractError,
    InvalidDemandError,
    InvalidNetworkError,
    NetinvError,
    ScenarioFileError,
    SolverError,
    TrainingInterrupted,
    where,
)


@pytest.mark.parametrize(
    ("error", "parent", "code"),
    [
        (InputError, NetinvError, 2),
        (ScenarioFileError, InputError, 2),
        (InvalidNetworkError, InputError, 2),
        (InvalidDemandError, InvalidNetworkError, 2),
        (InvalidContractError, InputError, 2),
        (SolverError, NetinvError, 3),
        (TrainingInterrupted, NetinvError, 130),
    ],
)
def test_every_error_has_its_parent_and_exit_code(error, parent, code):
    assert issubclass(error, parent)
    assert error("x").exit_code == code


def test_every_exception_class_of_netinv_lives_here():
    classes = {name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, Exception)}
    assert classes == {"NetinvError", "InputError", "ScenarioFileError", "InvalidNetworkError", "InvalidDemandError",
                       "InvalidContractError", "SolverError", "TrainingInterrupted"}


def test_message_is_one_printable_line():
    message = str(InvalidNetworkError("node 'new\nline\u2028x\ud800': bad"))
    assert message == "node 'new\\nline\\u2028x\\ud800': bad"
    assert "\t" in str(InputError("a\tb"))  # a tab stays


def test_where_leaves_out_unknown_parts():
    assert where("a.yaml", "node 'x'", "bad") == "a.yaml: node 'x': bad"
    assert where(None, "node 'x'", "bad") == "node 'x': bad"
    assert where("a.yaml", None, "bad") == "a.yaml: bad"
