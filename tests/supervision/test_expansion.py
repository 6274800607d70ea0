"""Expansion grounded in activity (issue 25 item 8, N-2.2): a filed organization may expand
only once it has reported the results of an assessment; the wizard says which record it found."""

from __future__ import annotations

import pytest

from evalorg.applications.eligibility import Outcome, evaluate, input_from_application
from evalorg.applications.models import Kind
from tests.applications.conftest import build_application

from .conftest import report

pytestmark = pytest.mark.django_db


def expansion_result(organization):
    expansion = build_application(organization, occupations=(("4-07-05-02", [5]),))
    expansion.kind = Kind.EXPANSION
    expansion.save()
    results = [r for r in evaluate(input_from_application(expansion)) if r.clause == "N-2.2"]
    assert len(results) == 1
    return results[0]


def test_a_filed_organization_without_reported_activity_is_refused_citing_n_2_2(
    organization, accepted
):
    result = expansion_result(organization)
    assert result.outcome == Outcome.FAIL
    assert "未找到已报告认定结果的认定计划" in result.message


def test_reported_results_let_the_expansion_through_and_name_the_record(
    organization, accepted, owner
):
    report(accepted, owner)
    result = expansion_result(organization)
    assert result.outcome == Outcome.PASS
    assert "焊工" in result.message and "3 人参加、2 人合格" in result.message


def test_another_organizations_activity_counts_for_nothing(reported):
    from tests.factories import InstitutionFactory
    from tests.filing.conftest import registry_row

    other = registry_row(InstitutionFactory(), number=3).application.institution
    assert expansion_result(other).outcome == Outcome.FAIL
