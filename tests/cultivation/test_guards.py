"""A later stage adds a guard to an action an earlier stage registered, once."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from evalorg.applications.workflow import LINES
from evalorg.cultivation.commitment import line_commitment_signed


def test_the_commitment_guard_is_on_submit_bank_and_cannot_be_added_twice():
    assert line_commitment_signed in LINES.table["submit_bank"].guards
    with pytest.raises(ImproperlyConfigured, match="twice"):
        LINES.add_guards("submit_bank", line_commitment_signed)
    with pytest.raises(ImproperlyConfigured, match="no action"):
        LINES.add_guards("no_such_action", line_commitment_signed)
    assert LINES.table["submit_bank"].guards.count(line_commitment_signed) == 1
