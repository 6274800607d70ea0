"""Passwords are hashed with Argon2id at OWASP's setting and older PBKDF2 hashes are upgraded
at the next successful login (issue 24: logins at a sane cost)."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher, make_password

from evalorg import settings as project_settings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_hashers(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the suite uses MD5


def test_new_passwords_are_argon2id_at_owasp_memory_and_passes(real_hashers):
    encoded = make_password("Ein-langes-Kennwort-2026")
    assert encoded.startswith("argon2$argon2id$")
    assert "m=19456,t=2,p=1" in encoded


def test_a_pbkdf2_hash_is_upgraded_when_its_owner_logs_in(real_hashers):
    user = UserFactory()
    user.password = PBKDF2PasswordHasher().encode("Ein-langes-Kennwort-2026", "fixedsalt123")
    user.save(update_fields=["password"])
    assert user.check_password("Ein-langes-Kennwort-2026")
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("Ein-langes-Kennwort-2026")


def test_a_wrong_password_leaves_the_old_hash_alone(real_hashers):
    user = UserFactory()
    old = PBKDF2PasswordHasher().encode("Ein-langes-Kennwort-2026", "fixedsalt123")
    user.password = old
    user.save(update_fields=["password"])
    assert not user.check_password("falsch")
    user.refresh_from_db()
    assert user.password == old
