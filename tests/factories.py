"""factory_boy factories for every model the tests build."""

from __future__ import annotations

import factory
from stdnum.cn import uscc as uscc_std

from evalorg.accounts.models import Agency, Role, User
from evalorg.institutions.models import Category, Institution, Level, Membership

PASSWORD = "Test-Pass-2026"


# A small PDF that parses (uploads are parsed with pypdf, core.content_checks).
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n162\n%%EOF\n"
)


def make_uscc(prefix: str = "91", division: str = "440101", serial: int = 1) -> str:
    """A valid USCC: 2-char authority/category, 6-digit division, 9-char org code, check."""
    body = f"{prefix}{division}{serial:09d}"
    return body + uscc_std.calc_check_digit(body)


def city_agency(code: str = "440100") -> Agency:
    return Agency.objects.get(kind=Agency.Kind.CITY, division_id=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = Role.APPLICANT
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CityStaffFactory(UserFactory):
    role = Role.CITY_STAFF
    agency = factory.LazyFunction(city_agency)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"广州测试机构{n}有限公司")
    uscc = factory.Sequence(lambda n: make_uscc(serial=n + 1))
    category = Category.LEADING_ENTERPRISE
    level = Level.MUNICIPAL
    city_id = "440100"
    county_id = "440106"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.cn")
    legal_rep_name = "测试法定代表人"
    legal_rep_id_number = "440102199001010018"
    contact_name = "测试联系人"
    contact_phone = factory.Sequence(lambda n: f"020-8{n:07d}")


class ApplicantFactory(UserFactory):
    role = Role.APPLICANT

    @factory.post_generation
    def institution(obj, create, extracted, **kwargs):
        if create:
            institution = extracted or InstitutionFactory()
            first = not institution.memberships.exists()  # the one who signed up: its admin
            Membership.objects.create(user=obj, institution=institution, is_admin=first)
